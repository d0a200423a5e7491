from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from goldpipe_scorer.shard import HEADLINE_SCHEMA
from synthetic_model import save_random_classifier

GPU_JOB = Path(__file__).resolve().parents[1]

# Correctness does not depend on the thread count, and on a busy shared CPU more threads than free
# cores make PyTorch's matrix products wait on each other.
torch.set_num_threads(1)

WORDS = (
    "gold silver bullion futures dollar yields fed rates inflation miners etf spot ounce rally slump "
    "rises falls edges higher lower steady record high low demand safe haven haven china india "
    "jewellery central banks buying selling profit booking weak strong data jobs report comex mcx"
).split()


def headline_texts(n: int, seed: int = 7) -> list[str]:
    """Deterministic headline-like strings of 3 to 14 words."""
    import random

    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 14))).capitalize() for _ in range(n)]


def headline_rows(texts: list, *, ids: list | None = None, first_line: int = 2) -> list[dict]:
    start = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
    return [
        {
            "id": ids[i] if ids is not None else f"h{i:05d}",
            "headline": text,
            "published_at": start + timedelta(minutes=i),
            "symbols": ["XAUUSD", "GLD", "XAU"] if i % 2 else [],
            "tagged_symbols": ["XAU"] if i % 2 else [],
            "source": "wire",
            "url": f"https://news.example/{i}" if i % 3 else None,
            "origin": {"file": "incoming/dump.csv", "line": first_line + i},
        }
        for i, text in enumerate(texts)
    ]


def write_parquet_shard(directory: Path, rows: list[dict], name: str = "0.parquet") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    pq.write_table(pa.Table.from_pylist(rows, schema=HEADLINE_SCHEMA), path)
    return path


def small_classifier(directory: Path, **overrides) -> Path:
    """A 1-layer random BERT classifier with a 200-word vocabulary, for tests about the model's shape rather than its answers."""
    settings = {"layers": 1, "hidden": 16, "heads": 2, "intermediate": 32, "vocab_size": 200} | overrides
    return save_random_classifier(directory, headline_texts(200), **settings)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A 2-layer random BERT classifier (positive/neutral/negative) with its own WordPiece vocabulary,
    initialised wide enough that headlines get clearly different probabilities."""
    return save_random_classifier(
        tmp_path_factory.mktemp("tiny-model"),
        headline_texts(400),
        layers=2,
        hidden=32,
        heads=2,
        intermediate=64,
        vocab_size=300,
        seed=1,
        initializer_range=0.3,
    )


@dataclass
class JobDirs:
    root: Path

    @property
    def shard(self) -> Path:
        return self.root / "shard"

    @property
    def checkpoint(self) -> Path:
        return self.root / "checkpoint"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def failure(self) -> Path:
        return self.root / "failure"

    def args(self, model: Path, *extra: str, output: Path | None = None, checkpoint: Path | None = None) -> list[str]:
        return [
            "--shard-dir",
            str(self.shard),
            "--model-dir",
            str(model),
            "--checkpoint-dir",
            str(checkpoint or self.checkpoint),
            "--output-dir",
            str(output or self.output),
            "--failure-file",
            str(self.failure),
            "--run-id",
            "run-2024-03-01",
            "--shard-id",
            "7",
            "--device",
            "cpu",
            *extra,
        ]


@pytest.fixture
def dirs(tmp_path) -> JobDirs:
    return JobDirs(tmp_path)


def run_job_process(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """The job as SageMaker runs it: python -m goldpipe_scorer in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "goldpipe_scorer", *args],
        cwd=GPU_JOB,
        env={**os.environ, "PYTHONPATH": str(GPU_JOB), "OMP_NUM_THREADS": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_scores(*directories: Path) -> pa.Table:
    parts = sorted(p for d in directories for p in d.glob("part-*.parquet"))
    return pa.concat_tables([pq.read_table(p) for p in parts]) if parts else None
