"""A fast test double of the GPU job, for local runs of thousands of shards on a CPU.

It takes the job's command line (goldpipe_scorer.config), reads the shard and resumes from the
checkpoint as the job does, and writes the same output through the job's own writers: atomic
part-*.parquet chunks in the scored columns (goldpipe_scorer.checkpoint, goldpipe_scorer.output),
then metrics.json and _SUCCESS; GOLDPIPE_CRASH_AFTER_CHUNKS makes an attempt exit with 137 after
that many chunks, as the job does; GOLDPIPE_FAST_JOB_CHUNK_SECONDS makes each chunk take that long,
to give a test time to act while a job runs. In place of the model, each headline's probabilities
come from a hash of its text, so the same headline always gets the same label.

    python gpu-job/tests/fast_job.py --shard-dir … --model-dir … --checkpoint-dir … --output-dir …

Importing pyarrow takes a CPU a third of a second, more than scoring a small shard, so for runs of
thousands of shards it also serves attempts from one warm process: `fast_job.py --serve SOCKET`
runs each attempt that fast_job_client.py (one process per attempt, as the job) sends it.
"""

from __future__ import annotations

import hashlib
import json
import os
import socketserver
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from goldpipe_scorer.checkpoint import ChunkWriter, scored_keys, write_atomically
from goldpipe_scorer.config import JobConfig, failure_file_from, parse_config
from goldpipe_scorer.errors import JobInputError
from goldpipe_scorer.heads import OutputHead, output_heads
from goldpipe_scorer.output import ScoringContext, scored_table
from goldpipe_scorer.shard import read_shard, row_keys

MODEL_NAME = "fast-test-double"
DEFAULT_LABELS = ["negative", "neutral", "positive"]


def heads_of(model_dir: Path) -> list[OutputHead]:
    """The model's output heads (config.json id2label and output_heads) when it has them."""
    try:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        id2label = config["id2label"]
        labels = [id2label[str(i)] for i in range(len(id2label))]
    except (OSError, KeyError, ValueError):
        return output_heads(None, DEFAULT_LABELS, "the fast job's default labels")
    return output_heads(config.get("output_heads"), labels, str(model_dir / "config.json"))


def probabilities(headlines: list[str], heads: list[OutputHead]) -> np.ndarray:
    """A softmax per head over scores drawn from each headline's SHA-256: deterministic, and spread over the labels."""
    width = heads[-1].stop
    digests = [hashlib.sha256(text.encode("utf-8")).digest()[:width] for text in headlines]
    logits = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(len(headlines), width).astype(np.float64) / 32.0
    probs = np.empty_like(logits)
    for out in heads:
        own = logits[:, out.start : out.stop]
        exp = np.exp(own - own.max(axis=1, keepdims=True))
        probs[:, out.start : out.stop] = exp / exp.sum(axis=1, keepdims=True)
    return probs


class _Crash(Exception):
    """GOLDPIPE_CRASH_AFTER_CHUNKS reached: the attempt ends as the job's does, exit code 137."""


def score_shard(config: JobConfig, chunk_seconds: float = 0.0) -> dict:
    started = time.perf_counter()
    table = read_shard(config.shard_dir)
    done = scored_keys(config.checkpoint_dir, config.output_dir)
    resumed = pc.is_in(row_keys(table), value_set=pa.array(sorted(done), pa.string()))
    scorable = pc.and_(pc.invert(resumed), pc.and_(pc.is_valid(table.column("id")), pc.is_valid(table.column("headline"))))
    rows = table.filter(scorable)
    heads = heads_of(config.model_dir)
    writer = ChunkWriter(config.output_dir)
    ctx = ScoringContext(heads, MODEL_NAME, config.run_id, config.shard_id, config.intensity)
    for start in range(0, rows.num_rows, config.chunk_rows):
        chunk = rows.slice(start, config.chunk_rows)
        time.sleep(chunk_seconds)
        writer.write(scored_table(chunk, probabilities(chunk.column("headline").to_pylist(), heads), ctx, datetime.now(UTC)))
        if config.crash_after_chunks is not None and writer.written == config.crash_after_chunks:
            raise _Crash
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
        "workers": [
            {
                "device": "cpu",
                "rows": rows.num_rows,
                "chunks": writer.written,
                "seconds": round(seconds, 3),
                "headlines_per_second": round(rows.num_rows / seconds, 1) if seconds > 0 else 0.0,
                "gpu_utilization_percent": None,
            }
        ],
        "gpu_utilization_percent": None,
        "gpu_utilization_source": "none: the fast test job uses no GPU",
        "device": "cpu",
        "device_name": "cpu",
        "driver_version": None,
        "cuda_version": None,
        "bf16_native": None,
        "instance_type": config.instance_type,
        "image_uri": config.image_uri,
        "dtype": "none",
        "model": MODEL_NAME,
        "model_load_seconds": 0.0,
        "run_id": config.run_id,
        "shard_id": config.shard_id,
    }


_ENVIRONMENT = threading.Lock()


def _config(argv: list[str], env: dict[str, str]) -> JobConfig:
    """parse_config reads its defaults from the environment: an attempt's own, one attempt at a time."""
    with _ENVIRONMENT:
        saved = dict(os.environ)
        os.environ.update(env)
        for name in {k for k in saved if k.startswith("GOLDPIPE_")} - set(env):
            del os.environ[name]
        try:
            return parse_config(argv)
        finally:
            os.environ.clear()
            os.environ.update(saved)


def run_attempt(argv: list[str], env: dict[str, str]) -> int:
    """One attempt of the job: its exit code, its output written, its failure reason in the failure file."""
    failure_file = failure_file_from(argv)
    try:
        config = _config(argv, env)
        metrics = score_shard(config, float(env.get("GOLDPIPE_FAST_JOB_CHUNK_SECONDS", "0")))
        write_atomically(config.output_dir / "metrics.json", lambda tmp: tmp.write_text(json.dumps(metrics, indent=2) + "\n"))
        write_atomically(config.output_dir / "_SUCCESS", lambda tmp: tmp.write_text(""))
    except _Crash:
        return 137
    except (JobInputError, OSError, pa.ArrowException) as err:
        failure_file.parent.mkdir(parents=True, exist_ok=True)
        failure_file.write_text(f"{type(err).__name__}: {err}"[:1024], encoding="utf-8")
        print(f"fast test job: {err}", file=sys.stderr)
        return 1
    return 0


class _Attempts(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        request = json.loads(self.rfile.readline())
        self.wfile.write(f"{run_attempt(request['argv'], request['env'])}\n".encode())


def serve(socket_path: str) -> None:
    """Runs the attempts fast_job_client.py sends to the Unix socket, several at once, until killed."""
    with socketserver.ThreadingUnixStreamServer(socket_path, _Attempts) as server:
        server.serve_forever()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
    else:
        sys.exit(run_attempt(sys.argv[1:], {k: v for k, v in os.environ.items() if k.startswith("GOLDPIPE_")}))
