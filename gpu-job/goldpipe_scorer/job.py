"""One attempt at scoring a shard: skip what earlier attempts wrote, score the rest in chunks on one
worker per GPU, write each chunk as soon as it is scored, then unscorable.jsonl, metrics.json and _SUCCESS."""

from __future__ import annotations

import json
import logging
import os
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from goldpipe_scorer.checkpoint import ChunkWriter, scored_keys, write_atomically
from goldpipe_scorer.config import JobConfig
from goldpipe_scorer.device import device_facts
from goldpipe_scorer.gpu_utilization import UtilizationSampler
from goldpipe_scorer.model import LoadedModel, load_model
from goldpipe_scorer.output import ScoringContext, scored_table
from goldpipe_scorer.scoring import BatchLimits
from goldpipe_scorer.shard import clean_headlines, read_shard, row_keys
from goldpipe_scorer.workers import ChunkQueue, replicate, run_workers, worker_devices

log = logging.getLogger("goldpipe_scorer")

CRASH_EXIT_CODE = 137
WRITES_IN_FLIGHT = 4


def _unscorable_reasons(table: pa.Table, cleaned: pa.ChunkedArray) -> pa.Array:
    """Why each row cannot be scored, or null when it can."""
    return pc.case_when(
        pc.make_struct(
            pc.is_null(table.column("id")),
            pc.is_null(table.column("headline")),
            pc.equal(pc.fill_null(cleaned, ""), ""),
        ),
        "id is missing",
        "headline is missing",
        "headline is empty once control characters and whitespace are removed",
    )


def _report_unscorable(table: pa.Table, reasons: pa.Array, output_dir: Path) -> int:
    listed = table.select(["id", "origin"]).append_column("reason", reasons).filter(pc.is_valid(reasons))
    if listed.num_rows:
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in listed.to_pylist())
        write_atomically(output_dir / "unscorable.jsonl", lambda tmp: tmp.write_text(lines, encoding="utf-8"))
    return listed.num_rows


class _ChunkSink:
    """Writes scored chunks on a background thread, a few in flight, in the order they arrive."""

    def __init__(self, writer: ChunkWriter, ctx: ScoringContext, crash_after: int | None):
        self.writer, self.ctx, self.crash_after = writer, ctx, crash_after
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="goldpipe-writer")
        self.pending: deque[Future] = deque()

    def _crash_if_due(self, written: int) -> None:
        if written == self.crash_after:
            logging.shutdown()
            os._exit(CRASH_EXIT_CODE)

    def _write(self, rows: pa.Table, probs) -> None:
        path = self.writer.write(scored_table(rows, probs, self.ctx, datetime.now(UTC)), self._crash_if_due)
        log.info("chunk written: %s (%d rows)", path.name, rows.num_rows)

    def submit(self, rows: pa.Table, probs) -> None:
        while len(self.pending) >= WRITES_IN_FLIGHT:
            self.pending.popleft().result()
        self.pending.append(self.pool.submit(self._write, rows, probs))

    def close(self) -> None:
        try:
            while self.pending:
                self.pending.popleft().result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)


def score_shard(config: JobConfig, loaded: LoadedModel) -> dict:
    started = time.perf_counter()
    table = read_shard(config.shard_dir)
    done = scored_keys(config.checkpoint_dir, config.output_dir)
    resumed = pc.is_in(row_keys(table), value_set=pa.array(sorted(done), pa.string()))
    cleaned = clean_headlines(table.column("headline"))
    reasons = _unscorable_reasons(table, cleaned)
    reasons = pc.if_else(resumed, pa.scalar(None, pa.string()), reasons)
    todo = pc.and_(pc.invert(resumed), pc.is_null(reasons))
    rows, texts = table.filter(todo), cleaned.filter(todo)
    # Headlines of similar length land in the same chunk, so its batches carry little padding.
    order = pc.sort_indices(pc.utf8_length(texts))
    rows, texts = rows.take(order), texts.take(order)

    workers = replicate(loaded, worker_devices(loaded.device, config.workers))
    writer = ChunkWriter(config.output_dir)
    ctx = ScoringContext(loaded.heads, loaded.name, config.run_id, config.shard_id, config.intensity)
    # A sink (writer thread) per worker; the writer they share names and counts the chunks.
    sinks = [_ChunkSink(writer, ctx, config.crash_after_chunks) for _ in workers]
    starts = range(0, rows.num_rows, config.chunk_rows)
    chunks = ChunkQueue((start, texts.slice(start, config.chunk_rows).to_pylist()) for start in starts)
    limits = BatchLimits.for_device(loaded.device, config.max_batch_rows, config.max_batch_tokens)
    with UtilizationSampler([w.device for w in workers]) as sampler:
        try:
            results = run_workers(
                workers, chunks, limits, lambda worker, start, probs: sinks[worker].submit(rows.slice(start, config.chunk_rows), probs)
            )
        finally:
            for sink in sinks:
                sink.close()
    utilization = sampler.result()

    rows_unscorable = _report_unscorable(table, reasons, config.output_dir)
    seconds = time.perf_counter() - started
    return {
        "rows": rows.num_rows,
        "rows_skipped_resumed": int(pc.sum(resumed.cast(pa.int64())).as_py() or 0),
        "rows_unscorable": rows_unscorable,
        "rows_in_shard": table.num_rows,
        "chunks_written": writer.written,
        "seconds": round(seconds, 3),
        "headlines_per_second": round(rows.num_rows / seconds, 1) if seconds > 0 else 0.0,
        "device": str(loaded.device),
        "dtype": str(loaded.dtype).removeprefix("torch."),
        **device_facts(loaded.device),
        "model": loaded.name,
        "workers": [r.metrics(utilization.by_device.get(r.device)) for r in results],
        "gpu_utilization_percent": utilization.mean_percent,
        "gpu_utilization_source": utilization.source,
    }


def run_job(config: JobConfig) -> dict:
    load_started = time.perf_counter()
    loaded = load_model(
        config.model_dir,
        device=config.device,
        dtype=config.dtype,
        max_length=config.max_length,
        name=config.model_name,
        instance_type=config.instance_type,
    )
    model_load_seconds = time.perf_counter() - load_started
    metrics = score_shard(config, loaded) | {
        "model_load_seconds": round(model_load_seconds, 3),
        "run_id": config.run_id,
        "shard_id": config.shard_id,
        "instance_type": config.instance_type,
        "image_uri": config.image_uri,
    }
    write_atomically(config.output_dir / "metrics.json", lambda tmp: tmp.write_text(json.dumps(metrics, indent=2) + "\n"))
    write_atomically(config.output_dir / "_SUCCESS", lambda tmp: tmp.write_text(""))
    return metrics
