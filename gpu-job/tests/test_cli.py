"""The job as its own process: a crash after a chunk, the retry that resumes, and exit codes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from conftest import headline_rows, headline_texts, read_scores, run_job_process, write_parquet_shard
from goldpipe_scorer.config import failure_file_from


# Two workers write chunks at once: the crash still leaves exactly the chunks counted, each whole.
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_crashed_job_resumes_and_scores_every_row_exactly_once(tiny_model, dirs, tmp_path, workers):
    rows = headline_rows(headline_texts(100))
    write_parquet_shard(dirs.shard, rows)
    first, second = tmp_path / "attempt-1", tmp_path / "attempt-2"

    crashed = run_job_process(
        dirs.args(tiny_model, "--chunk-rows", "16", output=first), GOLDPIPE_CRASH_AFTER_CHUNKS="2", GOLDPIPE_WORKERS=workers
    )

    assert crashed.returncode == 137, crashed.stderr
    assert len(list(first.glob("part-*.parquet"))) == 2
    assert not (first / "_SUCCESS").exists()
    assert len(read_scores(first)) == 32

    # SageMaker's retry: the first attempt's chunks come back as the checkpoint input, and the new
    # attempt writes to a fresh output directory that uploads to the same prefix.
    resumed = run_job_process(dirs.args(tiny_model, "--chunk-rows", "16", "--workers", workers, output=second, checkpoint=first))

    assert resumed.returncode == 0, resumed.stderr
    new_parts = {p.name for p in second.glob("part-*.parquet")}
    assert len(new_parts) == 5 and not new_parts & {p.name for p in first.glob("part-*.parquet")}
    counts = Counter(read_scores(first, second).column("id").to_pylist())
    assert counts == Counter(row["id"] for row in rows)
    metrics = json.loads((second / "metrics.json").read_text())
    assert (metrics["rows"], metrics["rows_skipped_resumed"], metrics["chunks_written"]) == (68, 32, 5)
    assert len(metrics["workers"]) == int(workers)
    assert sum(w["rows"] for w in metrics["workers"]) == 68
    assert json.loads(resumed.stdout) == metrics


def test_a_failure_exits_non_zero_with_the_reason_in_the_failure_file(tiny_model, dirs):
    result = run_job_process(dirs.args(tiny_model))

    assert result.returncode == 2
    reason = dirs.failure.read_text()
    assert reason.startswith(f"shard directory {dirs.shard} does not exist")
    assert reason in result.stderr
    assert "Traceback" not in result.stderr


def test_the_failure_reason_goes_where_sagemaker_processing_reads_it_by_default():
    # DescribeProcessingJob's ExitMessage is the first 1 KB of this file (/opt/ml/output/failure is training's).
    assert failure_file_from([]) == Path("/opt/ml/output/message")
    assert failure_file_from(["--failure-file", "/tmp/elsewhere"]) == Path("/tmp/elsewhere")
