"""Scored columns (docs/contracts.md, "Scored Parquet columns") built in bulk from the model's
probabilities, one softmax per output head side by side, appended to the shard's own columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa

from goldpipe_scorer.config import IntensityThresholds
from goldpipe_scorer.heads import OutputHead, head

INTENSITIES = pa.array(["weak", "moderate", "strong"], pa.string())
PROBS_TYPE = pa.map_(pa.string(), pa.float64())
SCORED_AT_TYPE = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class ScoringContext:
    heads: list[OutputHead]
    model: str
    run_id: str
    shard_id: str
    intensity: IntensityThresholds


def _constant(value, n: int, type_: pa.DataType) -> pa.Array:
    return pa.array([value], type_).take(np.zeros(n, dtype=np.int32))


def whole_milliseconds(moment: datetime) -> datetime:
    """Athena (Trino) reads Parquet timestamps at millisecond precision: a whole millisecond reads back as written."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _predicted(probs: np.ndarray, out: OutputHead) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """A head's most likely label per row, that label's probability, and the head's probabilities."""
    own = probs[:, out.start : out.stop]
    best = own.argmax(axis=1)
    return pa.array(out.labels, pa.string()).take(best.astype(np.int32)), own[np.arange(len(own)), best].astype(np.float64), own


def scored_table(rows: pa.Table, probs: np.ndarray, ctx: ScoringContext, scored_at: datetime) -> pa.Table:
    """rows (the shard's columns) with label, score, probs, intensity, price_direction, price_direction_score,
    model, run_id, shard_id and scored_at. price_direction and its score are null for a model without that head."""
    n = probs.shape[0]
    label_head = head(ctx.heads, "label")
    label, score, label_probs = _predicted(probs, label_head)
    labels, k = pa.array(label_head.labels, pa.string()), len(label_head.labels)
    level = np.searchsorted([ctx.intensity.moderate, ctx.intensity.strong], score, side="right")
    probs_map = pa.MapArray.from_arrays(
        pa.array(np.arange(0, n * k + 1, k, dtype=np.int32)),
        labels.take(np.tile(np.arange(k, dtype=np.int32), n)),
        pa.array(label_probs.astype(np.float64).ravel()),
        type=PROBS_TYPE,
    )
    direction_head = head(ctx.heads, "price_direction")
    if direction_head is None:
        direction, direction_score = pa.nulls(n, pa.string()), pa.nulls(n, pa.float64())
    else:
        direction, direction_scores, _ = _predicted(probs, direction_head)
        direction_score = pa.array(direction_scores)
    columns = {
        "label": label,
        "score": pa.array(score),
        "probs": probs_map,
        "intensity": INTENSITIES.take(level.astype(np.int32)),
        "price_direction": direction,
        "price_direction_score": direction_score,
        "model": _constant(ctx.model, n, pa.string()),
        "run_id": _constant(ctx.run_id, n, pa.string()),
        "shard_id": _constant(ctx.shard_id, n, pa.string()),
        "scored_at": _constant(whole_milliseconds(scored_at), n, SCORED_AT_TYPE),
    }
    table = rows.drop_columns([name for name in columns if name in rows.column_names])
    for name, column in columns.items():
        table = table.append_column(name, column)
    return table
