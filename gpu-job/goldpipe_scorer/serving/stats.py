"""The server's figures: requests, headlines, batch sizes, latency percentiles and rejections, served at
GET /metrics and logged as one JSON line per interval."""

from __future__ import annotations

import time
from collections import Counter, deque

import numpy as np

# Percentiles are over the most recent requests and batches, so memory stays bounded under any load.
WINDOW = 10_000


def _percentiles(values: deque) -> dict:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    p50, p95, p99 = np.percentile(np.fromiter(values, dtype=np.float64), [50, 95, 99])
    return {"p50": round(p50, 2), "p95": round(p95, 2), "p99": round(p99, 2), "max": round(max(values), 2)}


class ServerStats:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.counts: Counter[str] = Counter()
        self.latency_ms: deque[float] = deque(maxlen=WINDOW)
        self.batch_rows: deque[int] = deque(maxlen=WINDOW)
        self.batch_ms: deque[float] = deque(maxlen=WINDOW)

    def answered(self, headlines: int, seconds: float) -> None:
        self.counts["requests"] += 1
        self.counts["headlines"] += headlines
        self.latency_ms.append(seconds * 1000)

    def rejected(self, reason: str) -> None:
        """reason: overloaded (503), bad_request (4xx), not_ready (503 while loading) or error (500)."""
        self.counts[f"rejected_{reason}"] += 1

    def batch(self, rows: int, requests: int, seconds: float) -> None:
        self.counts["batches"] += 1
        self.counts["batched_requests"] += requests
        self.batch_rows.append(rows)
        self.batch_ms.append(seconds * 1000)

    def snapshot(self, queue_rows: int, queue_rows_peak: int) -> dict:
        batches = self.counts["batches"]
        return {
            "uptime_seconds": round(time.monotonic() - self.started, 1),
            "requests": self.counts["requests"],
            "headlines": self.counts["headlines"],
            "rejected": {k.removeprefix("rejected_"): v for k, v in sorted(self.counts.items()) if k.startswith("rejected_")},
            "queue_rows": queue_rows,
            "queue_rows_peak": queue_rows_peak,
            "batches": batches,
            "requests_per_batch": round(self.counts["batched_requests"] / batches, 2) if batches else None,
            "batch_rows": _percentiles(self.batch_rows),
            "batch_ms": _percentiles(self.batch_ms),
            "latency_ms": _percentiles(self.latency_ms),
        }
