"""`python -m goldpipe_scorer serve [options]`: what SageMaker hosting runs (`docker run IMAGE serve`)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback

from goldpipe_scorer.errors import JobInputError
from goldpipe_scorer.serving.app import serve
from goldpipe_scorer.serving.config import parse_serve_config


def serve_main(argv: list[str]) -> int:
    try:
        asyncio.run(serve(parse_serve_config(argv)))
    except JobInputError as err:
        print(f"goldpipe-scorer serve: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"goldpipe-scorer serve: cannot listen: {err}", file=sys.stderr)
        return 2
    except Exception as err:
        traceback.print_exc()
        print(f"goldpipe-scorer serve: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    # Stopped cleanly: every request is answered and the listener closed. The interpreter's own teardown
    # (torch, the tokenizer's threads) took up to half a minute on a busy CPU; nothing is left for it to do.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
