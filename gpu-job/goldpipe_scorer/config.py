"""The job's configuration: command-line options with SageMaker Processing defaults and env fallbacks.

docs/contracts.md, "The GPU job's command line", is the contract for every option here.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from goldpipe_scorer.errors import JobInputError

PROCESSING = Path("/opt/ml/processing")
# SageMaker Processing shows the first 1 KB of this file as DescribeProcessingJob's ExitMessage.
FAILURE_MESSAGE_FILE = Path("/opt/ml/output/message")


@dataclass(frozen=True)
class IntensityThresholds:
    """Confidence at or above `moderate` is moderate, at or above `strong` is strong, below is weak."""

    moderate: float = 0.55
    strong: float = 0.8


@dataclass(frozen=True)
class JobConfig:
    shard_dir: Path
    model_dir: Path
    checkpoint_dir: Path
    output_dir: Path
    failure_file: Path
    run_id: str
    shard_id: str
    chunk_rows: int = 4096
    model_name: str | None = None
    device: str = "auto"
    dtype: str = "auto"
    max_length: int = 128
    max_batch_rows: int | None = None
    max_batch_tokens: int | None = None
    intensity: IntensityThresholds = IntensityThresholds()
    crash_after_chunks: int | None = None
    workers: int | None = None
    instance_type: str | None = None
    image_uri: str | None = None


def positive_int(name: str, raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise JobInputError(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise JobInputError(f"{name} must be at least 1, got {value}")
    return value


def thresholds(raw: str) -> IntensityThresholds:
    try:
        moderate, strong = (float(x) for x in raw.split(","))
    except ValueError:
        raise JobInputError(f"--intensity-thresholds takes MODERATE,STRONG confidences such as 0.55,0.8, got {raw!r}") from None
    if not 0.0 <= moderate <= strong <= 1.0:
        raise JobInputError(f"--intensity-thresholds needs 0 <= MODERATE <= STRONG <= 1, got {raw!r}")
    return IntensityThresholds(moderate, strong)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise JobInputError(f"{message} (see python -m goldpipe_scorer --help)")


def failure_file_from(argv: list[str] | None) -> Path:
    """Where to write the failure reason, found even when the rest of the command line is bad."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--failure-file", type=Path, default=FAILURE_MESSAGE_FILE)
    return p.parse_known_args(argv)[0].failure_file


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m goldpipe_scorer",
        description="Score one shard of headlines with a Hugging Face sequence-classification model.",
    )
    p.add_argument("--shard-dir", type=Path, default=PROCESSING / "input/shard", help="every *.parquet / *.jsonl in it is the shard")
    p.add_argument(
        "--model-dir", type=Path, default=PROCESSING / "input/model", help="a Hugging Face directory, or one holding model.tar.gz"
    )
    p.add_argument(
        "--checkpoint-dir", type=Path, default=PROCESSING / "input/checkpoint", help="chunks an earlier attempt wrote (may be absent)"
    )
    p.add_argument("--output-dir", type=Path, default=PROCESSING / "output/scores")
    p.add_argument("--failure-file", type=Path, default=FAILURE_MESSAGE_FILE, help="where the reason of a failure goes")
    p.add_argument("--run-id", default=os.environ.get("GOLDPIPE_RUN_ID"))
    p.add_argument("--shard-id", default=os.environ.get("GOLDPIPE_SHARD_ID"))
    p.add_argument("--chunk-rows", default=os.environ.get("GOLDPIPE_CHUNK_ROWS", "4096"), help="rows per checkpoint chunk")
    p.add_argument(
        "--model-name",
        default=os.environ.get("GOLDPIPE_MODEL_NAME"),
        help="name written to the model column (default: from the model's config)",
    )
    p.add_argument(
        "--instance-type",
        default=os.environ.get("GOLDPIPE_INSTANCE_TYPE"),
        help="the SageMaker instance type the job runs on; a GPU type (ml.g*, ml.p*) makes --device auto demand CUDA",
    )
    p.add_argument("--image-uri", default=os.environ.get("GOLDPIPE_IMAGE_URI"), help="the job's image, recorded in metrics.json")
    p.add_argument("--device", default=os.environ.get("GOLDPIPE_DEVICE", "auto"), choices=["auto", "cpu", "cuda"])
    p.add_argument("--dtype", default=os.environ.get("GOLDPIPE_DTYPE", "auto"), choices=["auto", "float32", "bfloat16", "float16"])
    p.add_argument(
        "--workers",
        default=os.environ.get("GOLDPIPE_WORKERS"),
        help="scoring workers (default: one per visible GPU; one on a CPU); more than the GPUs share them",
    )
    p.add_argument("--max-length", default="128", help="tokens per headline; longer ones are truncated")
    p.add_argument("--max-batch-rows", default=None, help="rows per model batch (default: 2048 on a GPU, 256 on a CPU)")
    p.add_argument("--max-batch-tokens", default=None, help="padded tokens per model batch (default: 65536 on a GPU, 8192 on a CPU)")
    p.add_argument(
        "--intensity-thresholds",
        default=os.environ.get("GOLDPIPE_INTENSITY_THRESHOLDS", "0.55,0.8"),
        help="MODERATE,STRONG confidence thresholds",
    )
    return p


def parse_config(argv: list[str] | None = None) -> JobConfig:
    args = build_parser().parse_args(argv)
    if not args.run_id:
        raise JobInputError("no run id: pass --run-id or set GOLDPIPE_RUN_ID")
    if not args.shard_id:
        raise JobInputError("no shard id: pass --shard-id or set GOLDPIPE_SHARD_ID")
    return JobConfig(
        shard_dir=args.shard_dir,
        model_dir=args.model_dir,
        checkpoint_dir=args.checkpoint_dir,
        output_dir=args.output_dir,
        failure_file=args.failure_file,
        run_id=args.run_id,
        shard_id=args.shard_id,
        chunk_rows=positive_int("--chunk-rows / GOLDPIPE_CHUNK_ROWS", args.chunk_rows),
        model_name=args.model_name or None,
        device=args.device,
        dtype=args.dtype,
        max_length=positive_int("--max-length", args.max_length),
        max_batch_rows=positive_int("--max-batch-rows", args.max_batch_rows),
        max_batch_tokens=positive_int("--max-batch-tokens", args.max_batch_tokens),
        intensity=thresholds(args.intensity_thresholds),
        crash_after_chunks=positive_int("GOLDPIPE_CRASH_AFTER_CHUNKS", os.environ.get("GOLDPIPE_CRASH_AFTER_CHUNKS")),
        workers=positive_int("--workers / GOLDPIPE_WORKERS", args.workers),
        instance_type=args.instance_type or None,
        image_uri=args.image_uri or None,
    )
