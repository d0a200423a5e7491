"""Tokenized headlines into length-sorted, padded model batches, with numpy doing the per-row work."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
from tokenizers import Tokenizer

PAD_MULTIPLE = 8


@dataclass
class Encoded:
    """A chunk's token ids, back to back, and each headline's length and offset into them."""

    ids: np.ndarray
    lengths: np.ndarray
    offsets: np.ndarray


def encode(tokenizer: Tokenizer, texts: list[str]) -> Encoded:
    # encode_batch_fast skips character offsets; both run in Rust on all cores with the GIL released.
    encodings = tokenizer.encode_batch_fast(texts) if hasattr(tokenizer, "encode_batch_fast") else tokenizer.encode_batch(texts)
    id_lists = [e.ids for e in encodings]
    lengths = np.fromiter(map(len, id_lists), dtype=np.int64, count=len(id_lists))
    ids = np.fromiter(chain.from_iterable(id_lists), dtype=np.int64, count=int(lengths.sum()))
    offsets = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    return Encoded(ids, lengths, offsets)


def _padded(length):
    return -(-length // PAD_MULTIPLE) * PAD_MULTIPLE


def plan_batches(lengths: np.ndarray, max_rows: int, max_tokens: int) -> list[np.ndarray]:
    """Row indices of each batch: rows sorted by length, each batch as many rows as fit both
    max_rows and max_tokens once padded to its longest row (rounded up to a multiple of 8); a row
    longer than max_tokens alone gets a batch of its own."""
    order = np.argsort(lengths, kind="stable")
    padded = _padded(lengths[order])
    batches, start, n = [], 0, len(order)
    while start < n:
        window = padded[start : start + max_rows]
        # Sorted ascending, so a batch ending at row i is padded to row i's length; its cost only grows with i.
        fits = np.arange(1, len(window) + 1) * window <= max_tokens
        end = start + max(1, int(np.searchsorted(~fits, True)))
        batches.append(order[start:end])
        start = end
    return batches


def pad_batch(encoded: Encoded, rows: np.ndarray, pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """input_ids and attention_mask for rows, padded to the batch's longest row, rounded to 8."""
    lengths = encoded.lengths[rows]
    width = int(_padded(lengths.max()))
    positions = np.arange(width)
    mask = positions[None, :] < lengths[:, None]
    source = encoded.offsets[rows][:, None] + positions[None, :]
    input_ids = np.where(mask, encoded.ids[np.minimum(source, len(encoded.ids) - 1)], pad_id)
    return input_ids, mask.astype(np.int64)
