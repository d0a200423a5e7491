"""Dynamic micro-batching: requests that arrive while the model is busy, or within a short delay of each other,
share one forward pass; the rows waiting or being scored are bounded, and a request past the bound is refused."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from goldpipe_scorer.serving.stats import ServerStats


class Overloaded(Exception):
    """The queue is full: the request is answered 503 with Retry-After instead of waiting without bound."""


@dataclass
class _Request:
    texts: list[str]
    answer: asyncio.Future
    arrived: float = field(default_factory=time.monotonic)


class MicroBatcher:
    """score(texts) resolves to the probabilities of texts, [rows, labels]. One forward pass at a time runs on
    a worker thread (the event loop keeps accepting requests meanwhile); when it ends, every request that
    arrived meanwhile goes into the next pass, up to max_batch_rows. An idle model waits up to max_delay_s
    after a request arrives for others to join it."""

    def __init__(
        self, infer: Callable[[list[str]], np.ndarray], *, max_batch_rows: int, max_delay_s: float, max_queue_rows: int, stats: ServerStats
    ):
        self._infer = infer
        self.max_batch_rows, self.max_delay_s, self.max_queue_rows = max_batch_rows, max_delay_s, max_queue_rows
        self._stats = stats
        self._waiting: deque[_Request] = deque()
        self._waiting_rows = 0
        self._running_rows = 0
        self.queue_rows_peak = 0
        self._arrival = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="goldpipe-model")
        self._task: asyncio.Task | None = None

    @property
    def queue_rows(self) -> int:
        return self._waiting_rows + self._running_rows

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="goldpipe-batcher")

    async def close(self) -> None:
        """Stops batching; requests still waiting are answered with Overloaded."""
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        while self._waiting:
            request = self._waiting.popleft()
            if not request.answer.done():
                request.answer.set_exception(Overloaded("the server is stopping"))
        self._waiting_rows = 0
        await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)

    async def score(self, texts: list[str]) -> np.ndarray:
        if self.queue_rows + len(texts) > self.max_queue_rows:
            raise Overloaded(f"{self.queue_rows} headlines are already waiting or being scored (at most {self.max_queue_rows})")
        request = _Request(texts, asyncio.get_running_loop().create_future())
        self._waiting.append(request)
        self._waiting_rows += len(texts)
        self.queue_rows_peak = max(self.queue_rows_peak, self.queue_rows)
        self._arrival.set()
        return await request.answer

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not self._waiting:
                self._arrival.clear()
                await self._arrival.wait()
            await self._gather(self._waiting[0].arrived + self.max_delay_s)
            batch = self._take()
            texts = [text for request in batch for text in request.texts]
            started = time.monotonic()
            try:
                probs = await loop.run_in_executor(self._executor, self._infer, texts)
            except Exception as err:  # every request of the batch gets the error; the server goes on
                for request in batch:
                    if not request.answer.done():
                        request.answer.set_exception(err)
            else:
                self._stats.batch(len(texts), len(batch), time.monotonic() - started)
                offset = 0
                for request in batch:
                    if not request.answer.done():
                        request.answer.set_result(probs[offset : offset + len(request.texts)])
                    offset += len(request.texts)
            finally:
                self._running_rows = 0

    async def _gather(self, deadline: float) -> None:
        """Waits until the waiting rows fill a batch or the first request's delay is over."""
        while self._waiting_rows < self.max_batch_rows:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._arrival.clear()
            try:
                await asyncio.wait_for(self._arrival.wait(), remaining)
            except TimeoutError:
                return

    def _take(self) -> list[_Request]:
        batch, rows = [], 0
        while self._waiting and (not batch or rows + len(self._waiting[0].texts) <= self.max_batch_rows):
            request = self._waiting.popleft()
            batch.append(request)
            rows += len(request.texts)
        self._waiting_rows -= rows
        self._running_rows = rows
        return batch
