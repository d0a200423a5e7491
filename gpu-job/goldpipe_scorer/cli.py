"""`python -m goldpipe_scorer`: run one attempt, and on failure leave the reason where SageMaker
reads it (the failure file) and exit non-zero. `python -m goldpipe_scorer serve` runs the real-time server
instead (serving/), as SageMaker hosting starts the same image."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path

from goldpipe_scorer.config import failure_file_from, parse_config
from goldpipe_scorer.errors import JobInputError
from goldpipe_scorer.job import run_job

# SageMaker shows at most 1024 characters of the failure file as the job's FailureReason.
FAILURE_REASON_LIMIT = 1024


def _record_failure(failure_file: Path, reason: str) -> None:
    print(f"goldpipe-scorer: {reason}", file=sys.stderr)
    try:
        failure_file.parent.mkdir(parents=True, exist_ok=True)
        failure_file.write_text(reason[:FAILURE_REASON_LIMIT], encoding="utf-8")
    except OSError as err:
        print(f"goldpipe-scorer: could not write the failure file {failure_file}: {err}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["serve"]:
        from goldpipe_scorer.serving.main import serve_main

        return serve_main(args[1:])
    failure_file = failure_file_from(argv)
    try:
        metrics = run_job(parse_config(argv))
    except JobInputError as err:
        _record_failure(failure_file, str(err))
        return 2
    except Exception as err:
        traceback.print_exc()
        _record_failure(failure_file, f"{type(err).__name__}: {err}")
        return 1
    print(json.dumps(metrics))
    return 0
