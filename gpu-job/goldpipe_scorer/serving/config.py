"""The server's configuration: options with SageMaker hosting's defaults, each also read from the environment,
since SageMaker starts the container as `serve` with no other argument (the Model's Environment sets them)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from goldpipe_scorer.config import IntensityThresholds, positive_int, thresholds
from goldpipe_scorer.errors import JobInputError

# What the answer's run_id and shard_id columns say for a headline scored in real time.
REALTIME_RUN_ID = "realtime"


@dataclass(frozen=True)
class ServeConfig:
    model_dir: Path
    host: str
    port: int
    device: str = "auto"
    dtype: str = "auto"
    max_length: int = 128
    model_name: str | None = None
    intensity: IntensityThresholds = IntensityThresholds()
    max_batch_rows: int | None = None
    max_batch_delay_ms: float = 2.0
    max_queue_rows: int = 1024
    max_request_headlines: int = 1000
    max_body_bytes: int = 6 * 1024 * 1024
    stats_interval_s: float = 60.0
    exit_with_parent: bool = False


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise JobInputError(f"{message} (see python -m goldpipe_scorer serve --help)")


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name) or default


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m goldpipe_scorer serve",
        description="Serve the model over HTTP as a SageMaker real-time endpoint: GET /ping, POST /invocations, GET /metrics.",
    )
    p.add_argument("--model-dir", type=Path, default=Path(_env("GOLDPIPE_MODEL_DIR", "/opt/ml/model")))
    p.add_argument("--host", default=_env("GOLDPIPE_SERVE_HOST", "0.0.0.0"))
    p.add_argument("--port", default=_env("SAGEMAKER_BIND_TO_PORT", "8080"), help="default $SAGEMAKER_BIND_TO_PORT, else 8080")
    p.add_argument("--device", default=_env("GOLDPIPE_DEVICE", "auto"), choices=["auto", "cpu", "cuda"])
    p.add_argument("--dtype", default=_env("GOLDPIPE_DTYPE", "auto"), choices=["auto", "float32", "bfloat16", "float16"])
    p.add_argument("--max-length", default="128", help="tokens per headline; longer ones are truncated")
    p.add_argument("--model-name", default=_env("GOLDPIPE_MODEL_NAME"), help="name written to the model field")
    p.add_argument("--intensity-thresholds", default=_env("GOLDPIPE_INTENSITY_THRESHOLDS", "0.55,0.8"))
    p.add_argument(
        "--max-batch-rows",
        default=_env("GOLDPIPE_MAX_BATCH_ROWS"),
        help="headlines in one forward pass (default: 256 on a GPU, 32 on a CPU)",
    )
    p.add_argument(
        "--max-batch-delay-ms",
        default=_env("GOLDPIPE_MAX_BATCH_DELAY_MS", "2"),
        help="the longest an idle model waits for more requests to join a batch (default 2)",
    )
    p.add_argument(
        "--max-queue-rows",
        default=_env("GOLDPIPE_MAX_QUEUE_ROWS", "1024"),
        help="headlines waiting or being scored; past it requests get 503 with Retry-After (default 1024)",
    )
    p.add_argument("--max-request-headlines", default=_env("GOLDPIPE_MAX_REQUEST_HEADLINES", "1000"), help="per request (default 1000)")
    p.add_argument(
        "--max-body-bytes", default=_env("GOLDPIPE_MAX_BODY_BYTES", str(6 * 1024 * 1024)), help="per request (default 6 MiB, as SageMaker)"
    )
    p.add_argument("--stats-interval", default=_env("GOLDPIPE_STATS_INTERVAL_S", "60"), help="seconds between stats log lines")
    p.add_argument(
        "--exit-with-parent", action="store_true", help="stop when the process that started the server is gone (goldpipe serve uses it)"
    )
    return p


def _non_negative_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise JobInputError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise JobInputError(f"{name} must not be negative, got {raw!r}")
    return value


def parse_serve_config(argv: list[str] | None = None) -> ServeConfig:
    args = build_parser().parse_args(argv)
    port = positive_int("--port / SAGEMAKER_BIND_TO_PORT", args.port)
    if port > 65535:
        raise JobInputError(f"--port must be at most 65535, got {port}")
    return ServeConfig(
        model_dir=args.model_dir,
        host=args.host,
        port=port,
        device=args.device,
        dtype=args.dtype,
        max_length=positive_int("--max-length", args.max_length),
        model_name=args.model_name or None,
        intensity=thresholds(args.intensity_thresholds),
        max_batch_rows=positive_int("--max-batch-rows / GOLDPIPE_MAX_BATCH_ROWS", args.max_batch_rows),
        max_batch_delay_ms=_non_negative_float("--max-batch-delay-ms / GOLDPIPE_MAX_BATCH_DELAY_MS", args.max_batch_delay_ms),
        max_queue_rows=positive_int("--max-queue-rows / GOLDPIPE_MAX_QUEUE_ROWS", args.max_queue_rows),
        max_request_headlines=positive_int("--max-request-headlines / GOLDPIPE_MAX_REQUEST_HEADLINES", args.max_request_headlines),
        max_body_bytes=positive_int("--max-body-bytes / GOLDPIPE_MAX_BODY_BYTES", args.max_body_bytes),
        stats_interval_s=_non_negative_float("--stats-interval / GOLDPIPE_STATS_INTERVAL_S", args.stats_interval),
        exit_with_parent=args.exit_with_parent,
    )
