"""Checkpoint chunks: the part-*.parquet files a job writes as it goes. They are the job's output
and, read back by a retried attempt, the record of what is already scored."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from goldpipe_scorer.errors import JobInputError
from goldpipe_scorer.shard import row_keys

CHUNK_GLOB = "part-*.parquet"
TEMP_SUFFIX = ".inprogress"


def staging_dir(output_dir: Path) -> Path:
    """Where files are written before they are moved into output_dir whole: beside it (the same filesystem,
    so the move is a rename), never in it, since SageMaker's Continuous upload sends whatever appears there."""
    return output_dir.parent / f".{output_dir.name}{TEMP_SUFFIX}"


def scored_keys(*dirs: Path) -> set[str]:
    """Row keys (shard.row_keys) of every row in the chunks found in dirs; absent dirs hold none."""
    keys: set[str] = set()
    seen: set[Path] = set()
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob(CHUNK_GLOB)):
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            try:
                table = pq.read_table(path, columns=["id", "origin"])
            except (pa.ArrowInvalid, OSError, KeyError) as err:
                raise JobInputError(f"checkpoint chunk {path} cannot be read ({err}); delete it to score its rows again") from err
            keys.update(row_keys(table).to_pylist())
    return keys


class ChunkWriter:
    """Writes chunks atomically (a temp file in the staging directory, fsync, rename into the output
    directory, fsync of it) under names no other attempt uses, so only whole chunks ever appear there.
    Workers share one writer: each chunk gets its own name, and chunks are counted in the order they
    become durable."""

    def __init__(self, output_dir: Path):
        self.output_dir = output_dir
        output_dir.mkdir(parents=True, exist_ok=True)
        for leftover in staging_dir(output_dir).glob("*"):  # a crashed attempt's half-written file
            leftover.unlink(missing_ok=True)
        self.attempt = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(4)}"
        self.written = 0
        self._named = 0
        self._lock = threading.Lock()

    def write(self, table: pa.Table, committed: Callable[[int], None] = lambda count: None) -> Path:
        """Writes one chunk; `committed` is called with the count of chunks now durable, before any
        other chunk of this writer can become durable (so a crash it causes leaves exactly that many)."""
        with self._lock:
            final = self.output_dir / f"part-{self.attempt}-{self._named:05d}.parquet"
            self._named += 1
        tmp = _staged(final, lambda path: pq.write_table(table, path, compression="zstd"))
        with self._lock:
            _commit(tmp, final)
            self.written += 1
            committed(self.written)
        return final


def write_atomically(final: Path, write) -> None:
    _commit(_staged(final, write), final)


def _staged(final: Path, write) -> Path:
    """Writes the file in the staging directory and makes it durable there; returns its path."""
    staging = staging_dir(final.parent)
    staging.mkdir(parents=True, exist_ok=True)
    tmp = staging / final.name
    write(tmp)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    return tmp


def _commit(tmp: Path, final: Path) -> None:
    os.replace(tmp, final)
    dir_fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
