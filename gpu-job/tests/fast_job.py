"""A fast test double of the GPU job, for local runs of thousands of shards on a CPU.

It takes the job's command line (goldpipe_scorer.config), reads the shard and resumes from the
checkpoint as the job does, and writes the same output through the job's own writers: atomic
part-*.parquet chunks in the scored columns (goldpipe_scorer.checkpoint, goldpipe_scorer.output),
then metrics.json and _SUCCESS; GOLDPIPE_CRASH_AFTER_CHUNKS crashes it as it crashes the job. In
place of the model, each headline's probabilities come from a hash of its text, so the same
headline always gets the same label; it starts in a fraction of a second because it loads no model.

    python gpu-job/tests/fast_job.py --shard-dir … --model-dir … --checkpoint-dir … --output-dir …
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from goldpipe_scorer.checkpoint import ChunkWriter, scored_keys, write_atomically
from goldpipe_scorer.config import JobConfig, failure_file_from, parse_config
from goldpipe_scorer.errors import JobInputError
from goldpipe_scorer.output import ScoringContext, scored_table
from goldpipe_scorer.shard import read_shard, row_keys

MODEL_NAME = "fast-test-double"
DEFAULT_LABELS = ["negative", "neutral", "positive"]


def labels_of(model_dir: Path) -> list[str]:
    """The model's labels in id order (config.json id2label) when it has them."""
    try:
        id2label = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))["id2label"]
        return [id2label[str(i)] for i in range(len(id2label))]
    except (OSError, KeyError, ValueError):
        return DEFAULT_LABELS


def probabilities(headlines: list[str], labels: int) -> np.ndarray:
    """A softmax over scores drawn from each headline's SHA-256: deterministic, and spread over the labels."""
    digests = [hashlib.sha256(text.encode("utf-8")).digest()[:labels] for text in headlines]
    logits = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(len(headlines), labels).astype(np.float64) / 32.0
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def score_shard(config: JobConfig) -> dict:
    started = time.perf_counter()
    table = read_shard(config.shard_dir)
    done = scored_keys(config.checkpoint_dir, config.output_dir)
    resumed = pc.is_in(row_keys(table), value_set=pa.array(sorted(done), pa.string()))
    scorable = pc.and_(pc.invert(resumed), pc.and_(pc.is_valid(table.column("id")), pc.is_valid(table.column("headline"))))
    rows = table.filter(scorable)
    labels = labels_of(config.model_dir)
    writer = ChunkWriter(config.output_dir)
    ctx = ScoringContext(labels, MODEL_NAME, config.run_id, config.shard_id, config.intensity)
    for start in range(0, rows.num_rows, config.chunk_rows):
        chunk = rows.slice(start, config.chunk_rows)
        writer.write(scored_table(chunk, probabilities(chunk.column("headline").to_pylist(), len(labels)), ctx, datetime.now(UTC)))
        if config.crash_after_chunks is not None and writer.written == config.crash_after_chunks:
            os._exit(137)
    seconds = time.perf_counter() - started
    skipped = int(pc.sum(resumed.cast(pa.int64())).as_py() or 0)
    return {
        "rows": rows.num_rows,
        "rows_skipped_resumed": skipped,
        "rows_unscorable": table.num_rows - rows.num_rows - skipped,
        "rows_in_shard": table.num_rows,
        "chunks_written": writer.written,
        "seconds": round(seconds, 3),
        "headlines_per_second": round(rows.num_rows / seconds, 1) if seconds > 0 else 0.0,
        "device": "cpu",
        "dtype": "none",
        "model": MODEL_NAME,
        "model_load_seconds": 0.0,
        "run_id": config.run_id,
        "shard_id": config.shard_id,
    }


def main(argv: list[str]) -> int:
    failure_file = failure_file_from(argv)
    try:
        config = parse_config(argv)
        metrics = score_shard(config)
        write_atomically(config.output_dir / "metrics.json", lambda tmp: tmp.write_text(json.dumps(metrics, indent=2) + "\n"))
        write_atomically(config.output_dir / "_SUCCESS", lambda tmp: tmp.write_text(""))
    except (JobInputError, OSError, pa.ArrowException) as err:
        failure_file.parent.mkdir(parents=True, exist_ok=True)
        failure_file.write_text(f"{type(err).__name__}: {err}"[:1024], encoding="utf-8")
        print(f"fast test job: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
