"""A stand-in for `python -m goldpipe_scorer` where the model is not the point (the fault-injection
suite): the job's own shard reading, checkpoint resume, chunk writing and scored columns, with each
headline's probabilities drawn from its hash instead of a model, so that a job takes well under a
second instead of the seconds torch needs to load. Run as the job is: with the job's command line.
GOLDPIPE_FAST_SCORER_CHUNK_SECONDS makes each chunk take that long, to give a test time to act."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from goldpipe_scorer.checkpoint import ChunkWriter, scored_keys, write_atomically
from goldpipe_scorer.config import parse_config
from goldpipe_scorer.heads import output_heads
from goldpipe_scorer.output import ScoringContext, scored_table
from goldpipe_scorer.shard import read_shard, row_keys

LABELS = ["positive", "neutral", "negative"]


def probabilities(headlines: list[str]) -> np.ndarray:
    drawn = (
        np.array(
            [list(hashlib.sha256(text.encode()).digest()[:3]) for text in headlines],
            dtype=np.float64,
        )
        + 1
    )
    return drawn / drawn.sum(axis=1, keepdims=True)


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    config = parse_config(argv)
    table = read_shard(config.shard_dir)
    done = scored_keys(config.checkpoint_dir, config.output_dir)
    resumed = pc.is_in(row_keys(table), value_set=pa.array(sorted(done), pa.string()))
    todo = table.filter(pc.invert(resumed))
    writer = ChunkWriter(config.output_dir)
    context = ScoringContext(output_heads(None, LABELS, "the fast scorer"), "fast-scorer", config.run_id, config.shard_id, config.intensity)
    pause = float(os.environ.get("GOLDPIPE_FAST_SCORER_CHUNK_SECONDS", "0"))
    for start in range(0, todo.num_rows, config.chunk_rows):
        rows = todo.slice(start, config.chunk_rows)
        time.sleep(pause)
        writer.write(
            scored_table(
                rows,
                probabilities(rows.column("headline").to_pylist()),
                context,
                datetime.now(UTC),
            )
        )
        if config.crash_after_chunks == writer.written:
            os._exit(137)
    seconds = time.perf_counter() - started
    metrics = {
        "rows": todo.num_rows,
        "rows_skipped_resumed": table.num_rows - todo.num_rows,
        "rows_unscorable": 0,
        "rows_in_shard": table.num_rows,
        "chunks_written": writer.written,
        "seconds": round(seconds, 3),
        "headlines_per_second": round(todo.num_rows / seconds, 1) if seconds > 0 else 0.0,
        "device": "cpu",
        "dtype": "none",
        "model": "fast-scorer",
        "run_id": config.run_id,
        "shard_id": config.shard_id,
    }
    write_atomically(
        config.output_dir / "metrics.json",
        lambda tmp: tmp.write_text(json.dumps(metrics, indent=2) + "\n"),
    )
    write_atomically(config.output_dir / "_SUCCESS", lambda tmp: tmp.write_text(""))
    return 0


if __name__ == "__main__":
    # The runner starts the job as `python -m goldpipe_scorer ARGS…`; a launcher passes ARGS on.
    sys.exit(main(sys.argv[1:]))
