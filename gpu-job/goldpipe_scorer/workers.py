"""One worker per GPU: the model on each device the job uses, and the shard's chunks handed out one
at a time from a shared queue, so every chunk is scored (and written) by exactly one worker and a
faster GPU simply takes more of them."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, replace

import numpy as np
import torch
from tokenizers import Tokenizer

from goldpipe_scorer.model import LoadedModel
from goldpipe_scorer.scoring import BatchLimits, score_chunks


def worker_devices(device: torch.device, workers: int | None) -> list[torch.device]:
    """One device per worker: on a GPU machine, every visible GPU by default (workers beyond the GPU
    count share them round-robin); on a CPU, `workers` workers (default one) on the CPU."""
    if device.type != "cuda":
        return [device] * (workers or 1)
    count = torch.cuda.device_count()
    return [torch.device("cuda", i % count) for i in range(workers or count)]


def replicate(loaded: LoadedModel, devices: list[torch.device]) -> list[LoadedModel]:
    """The loaded model for each worker: one copy of the weights per distinct device (workers on the
    same device share it; inference does not change it), a tokenizer of its own per worker."""
    home = next(loaded.model.parameters()).device
    models: dict[torch.device, torch.nn.Module] = {home: loaded.model}
    replicas = []
    for device in devices:
        placed = device if device.type == "cpu" or device.index is not None else torch.device(device.type, 0)
        if placed not in models:
            models[placed] = copy.deepcopy(loaded.model).to(placed).eval()
        tokenizer = Tokenizer.from_str(loaded.tokenizer.to_str())
        replicas.append(replace(loaded, model=models[placed], device=placed, tokenizer=tokenizer))
    return replicas


@dataclass
class WorkerResult:
    device: str
    rows: int = 0
    chunks: int = 0
    seconds: float = 0.0

    def metrics(self, gpu_percent: float | None) -> dict:
        return {
            "device": self.device,
            "rows": self.rows,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
            "headlines_per_second": round(self.rows / self.seconds, 1) if self.seconds > 0 else 0.0,
            "gpu_utilization_percent": gpu_percent,
        }


class ChunkQueue:
    """The shard's chunks (key → texts), each handed to exactly one worker; closing it hands out no more."""

    def __init__(self, chunks: Iterator[tuple[Hashable, list[str]]]):
        self._chunks = chunks
        self._lock = threading.Lock()
        self.closed = threading.Event()

    def next(self) -> tuple[Hashable, list[str]] | None:
        if self.closed.is_set():
            return None
        with self._lock:
            return next(self._chunks, None)

    def feed(self) -> ChunkFeed:
        return ChunkFeed(self)


class ChunkFeed:
    """One worker's share of the queue. A worker holds at most AHEAD chunks it has not finished
    scoring (one on the device, one being tokenized), so its read-ahead cannot take the chunks
    another worker is free to score. AHEAD must be 2 or more: the device loop hands back a chunk
    only once the next chunk's first batch is queued behind it."""

    AHEAD = 2

    def __init__(self, queue: ChunkQueue):
        self._queue = queue
        self._slots = threading.Semaphore(self.AHEAD)

    def __iter__(self) -> Iterator[tuple[Hashable, list[str]]]:
        while True:
            while not self._slots.acquire(timeout=0.1):
                if self._queue.closed.is_set():
                    return
            chunk = self._queue.next()
            if chunk is None:
                return
            yield chunk

    def scored(self) -> None:
        self._slots.release()


def run_workers(
    workers: list[LoadedModel],
    chunks: ChunkQueue,
    limits: BatchLimits,
    scored: Callable[[int, Hashable, np.ndarray], None],
) -> list[WorkerResult]:
    """Runs each worker on its own thread (a single worker on the calling thread) until the queue is
    empty; `scored(worker, chunk key, probabilities)` takes each chunk's result on that worker's thread.
    The first failure closes the queue, the other workers finish the chunk in hand, and it is raised."""
    results = [WorkerResult(str(w.device)) for w in workers]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        worker, result, feed = workers[index], results[index], chunks.feed()
        started = time.perf_counter()
        try:
            with torch.cuda.device(worker.device) if worker.device.type == "cuda" else nullcontext():
                for key, probs in score_chunks(worker, feed, limits):
                    scored(index, key, probs)
                    feed.scored()
                    result.rows += len(probs)
                    result.chunks += 1
        except BaseException as err:
            errors.append(err)
            chunks.closed.set()
        finally:
            result.seconds = time.perf_counter() - started

    if len(workers) == 1:
        work(0)
    else:
        threads = [threading.Thread(target=work, args=(i,), name=f"goldpipe-worker-{i}") for i in range(len(workers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return results
