"""The fast test double (tests/fast_job.py) keeps the job's contract: same command line, same
columns and types, same checkpoint files, same resume and crash hook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pyarrow.parquet as pq

from conftest import GPU_JOB, headline_rows, headline_texts, read_scores, write_parquet_shard
from goldpipe_scorer.cli import main


def run_fast_job(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(GPU_JOB / "tests" / "fast_job.py"), *args],
        cwd=GPU_JOB,
        env={**os.environ, "PYTHONPATH": str(GPU_JOB), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_writes_what_the_job_writes_for_the_same_shard(tiny_model, dirs):
    rows = headline_rows(headline_texts(50))
    write_parquet_shard(dirs.shard, rows)
    real = dirs.root / "real"
    assert main(dirs.args(tiny_model, "--chunk-rows", "16", output=real)) == 0

    done = run_fast_job(dirs.args(tiny_model, "--chunk-rows", "16"))

    assert done.returncode == 0, done.stderr
    fast, expected = read_scores(dirs.output), read_scores(real)
    assert fast.schema == expected.schema
    assert sorted(fast.column("id").to_pylist()) == sorted(row["id"] for row in rows)
    assert set(fast.column("label").to_pylist()) <= {"positive", "neutral", "negative"}
    assert len(list(dirs.output.glob("part-*.parquet"))) == len(list(real.glob("part-*.parquet"))) == 4
    assert (dirs.output / "_SUCCESS").exists()
    metrics = json.loads((dirs.output / "metrics.json").read_text())
    assert set(json.loads((real / "metrics.json").read_text())) <= set(metrics)
    assert (metrics["rows"], metrics["rows_in_shard"], metrics["rows_skipped_resumed"]) == (50, 50, 0)


def test_gives_a_headline_the_same_scores_every_time(tiny_model, dirs):
    write_parquet_shard(dirs.shard, headline_rows(["Gold rises on Fed bets", "Gold rises on Fed bets", "Gold slumps"]))
    assert run_fast_job(dirs.args(tiny_model)).returncode == 0
    probs = read_scores(dirs.output).column("probs").to_pylist()
    assert probs[0] == probs[1] != probs[2]


def test_crashes_after_a_chunk_when_told_and_resumes_from_it(tiny_model, dirs):
    rows = headline_rows(headline_texts(40))
    write_parquet_shard(dirs.shard, rows)

    crashed = run_fast_job(dirs.args(tiny_model, "--chunk-rows", "16"), GOLDPIPE_CRASH_AFTER_CHUNKS="1")
    assert crashed.returncode == 137
    (first,) = dirs.output.glob("part-*.parquet")
    assert not (dirs.output / "_SUCCESS").exists()

    retried = run_fast_job(dirs.args(tiny_model, "--chunk-rows", "16", checkpoint=dirs.output, output=dirs.root / "retry"))
    assert retried.returncode == 0, retried.stderr
    assert sorted(read_scores(dirs.output, dirs.root / "retry").column("id").to_pylist()) == sorted(row["id"] for row in rows)
    metrics = json.loads((dirs.root / "retry" / "metrics.json").read_text())
    assert (metrics["rows"], metrics["rows_skipped_resumed"]) == (24, pq.read_metadata(first).num_rows)


def test_leaves_its_reason_in_the_failure_file_when_the_shard_is_missing(tiny_model, dirs):
    failed = run_fast_job(dirs.args(tiny_model))
    assert failed.returncode == 1
    assert "shard directory" in dirs.failure.read_text()


def test_a_warm_server_runs_the_attempts_its_clients_send_as_the_job_would(tiny_model, dirs, tmp_path):
    rows = headline_rows(headline_texts(30))
    write_parquet_shard(dirs.shard, rows)
    socket_path = tmp_path / "fast-job.sock"
    server = subprocess.Popen(
        [sys.executable, str(GPU_JOB / "tests" / "fast_job.py"), "--serve", str(socket_path)],
        cwd=GPU_JOB,
        env={**os.environ, "PYTHONPATH": str(GPU_JOB)},
    )
    try:
        deadline = time.monotonic() + 30
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

        def client(args: list[str], **env: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [sys.executable, str(GPU_JOB / "tests" / "fast_job_client.py"), str(socket_path), *args],
                env={**os.environ, **env},
                capture_output=True,
                text=True,
                timeout=60,
            )

        assert client(dirs.args(tiny_model, "--chunk-rows", "8"), GOLDPIPE_CRASH_AFTER_CHUNKS="2").returncode == 137
        assert len(list(dirs.output.glob("part-*.parquet"))) == 2
        # the crashing attempt's GOLDPIPE_CRASH_AFTER_CHUNKS was its own: the retry runs to the end
        retry = dirs.root / "retry"
        done = client(dirs.args(tiny_model, "--chunk-rows", "8", checkpoint=dirs.output, output=retry))
        assert done.returncode == 0, done.stderr
        assert sorted(read_scores(dirs.output, retry).column("id").to_pylist()) == sorted(row["id"] for row in rows)
        assert json.loads((retry / "metrics.json").read_text())["rows_skipped_resumed"] == 16
    finally:
        server.kill()
        server.wait()
