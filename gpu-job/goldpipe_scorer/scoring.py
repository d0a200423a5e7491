"""The scoring loop: a background thread tokenizes and batches while the device runs the model.

Prep thread: chunk texts → Rust batch encoding → length-sorted padded batches → pinned host
tensors → queue. Device loop: non-blocking copy on a side stream, forward pass under
inference_mode, softmax per output head on the device, one non-blocking copy of the probabilities back per batch;
the host waits for a batch only after the next one is queued on the device.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from goldpipe_scorer.batching import encode, pad_batch, plan_batches
from goldpipe_scorer.heads import softmax_per_head
from goldpipe_scorer.model import LoadedModel

_DONE = object()


@dataclass(frozen=True)
class BatchLimits:
    max_rows: int
    max_tokens: int

    @staticmethod
    def for_device(device: torch.device, max_rows: int | None, max_tokens: int | None) -> BatchLimits:
        gpu = device.type == "cuda"
        return BatchLimits(max_rows or (2048 if gpu else 256), max_tokens or (65536 if gpu else 8192))


@dataclass
class _Batch:
    chunk: Hashable
    chunk_rows: int
    last_of_chunk: bool
    rows: np.ndarray
    input_ids: torch.Tensor
    attention_mask: torch.Tensor


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


class _ChunkResult:
    def __init__(self, rows: int, labels: int):
        self.probs = np.empty((rows, labels), dtype=np.float32)


def _prepare(
    loaded: LoadedModel, chunks: Iterable[tuple[Hashable, list[str]]], limits: BatchLimits, out: queue.Queue, stop: threading.Event
) -> None:
    pin = loaded.device.type == "cuda"

    def put(item) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    try:
        for chunk, texts in chunks:
            encoded = encode(loaded.tokenizer, texts)
            plan = plan_batches(encoded.lengths, limits.max_rows, limits.max_tokens)
            for i, rows in enumerate(plan):
                input_ids, attention_mask = pad_batch(encoded, rows, loaded.pad_id)
                ids_t, mask_t = torch.from_numpy(input_ids), torch.from_numpy(attention_mask)
                if pin:
                    ids_t, mask_t = ids_t.pin_memory(), mask_t.pin_memory()
                if not put(_Batch(chunk, len(texts), i == len(plan) - 1, rows, ids_t, mask_t)):
                    return
        put(_DONE)
    except BaseException as err:  # handed to the device loop, which raises it in the main thread
        put(_Failure(err))


def score_chunks(
    loaded: LoadedModel, chunks: Iterable[tuple[Hashable, list[str]]], limits: BatchLimits
) -> Iterator[tuple[Hashable, np.ndarray]]:
    """Yields (chunk key, probabilities [rows, labels] in the chunk's row order) per chunk, in order."""
    batches: queue.Queue = queue.Queue(maxsize=16)
    stop = threading.Event()
    prep = threading.Thread(target=_prepare, args=(loaded, chunks, limits, batches, stop), name="goldpipe-prep", daemon=True)
    prep.start()
    cuda = loaded.device.type == "cuda"
    copy_stream = torch.cuda.Stream(loaded.device) if cuda else None
    in_flight: deque = deque()
    results: dict[Hashable, _ChunkResult] = {}

    def finish(batch: _Batch, probs: torch.Tensor, done: torch.cuda.Event | None):
        if done is not None:
            done.synchronize()
        result = results.setdefault(batch.chunk, _ChunkResult(batch.chunk_rows, len(loaded.labels)))
        result.probs[batch.rows] = probs.numpy()
        if batch.last_of_chunk:
            return batch.chunk, results.pop(batch.chunk).probs
        return None

    try:
        with torch.inference_mode():
            while True:
                item = batches.get()
                if item is _DONE:
                    break
                if isinstance(item, _Failure):
                    raise item.error
                if cuda:
                    with torch.cuda.stream(copy_stream):
                        input_ids = item.input_ids.to(loaded.device, non_blocking=True)
                        attention_mask = item.attention_mask.to(loaded.device, non_blocking=True)
                    compute = torch.cuda.current_stream(loaded.device)
                    compute.wait_stream(copy_stream)
                    input_ids.record_stream(compute)
                    attention_mask.record_stream(compute)
                else:
                    input_ids, attention_mask = item.input_ids, item.attention_mask
                logits = loaded.model(input_ids=input_ids, attention_mask=attention_mask).logits
                probs = softmax_per_head(logits.float(), loaded.heads)
                if cuda:
                    host = torch.empty(probs.shape, dtype=probs.dtype, pin_memory=True)
                    host.copy_(probs, non_blocking=True)
                    done = torch.cuda.Event()
                    done.record()
                    in_flight.append((item, host, done))
                else:
                    in_flight.append((item, probs, None))
                while len(in_flight) > (1 if cuda else 0):
                    finished = finish(*in_flight.popleft())
                    if finished:
                        yield finished
            while in_flight:
                finished = finish(*in_flight.popleft())
                if finished:
                    yield finished
    finally:
        stop.set()
        prep.join(timeout=5)
