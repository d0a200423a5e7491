"""The HTTP server (aiohttp): SageMaker's inference contract on one port. It listens at once and loads the
model in the background; /ping answers 200 only once the model is loaded, 503 before."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from goldpipe_scorer.model import LoadedModel, load_model
from goldpipe_scorer.output import ScoringContext, scored_table
from goldpipe_scorer.scoring import BatchLimits, score_chunks
from goldpipe_scorer.serving.answers import answer_rows, encode_answer
from goldpipe_scorer.serving.batcher import MicroBatcher, Overloaded
from goldpipe_scorer.serving.config import REALTIME_RUN_ID, ServeConfig
from goldpipe_scorer.serving.requests import BadRequest, parse_request
from goldpipe_scorer.serving.stats import ServerStats

log = logging.getLogger("goldpipe_scorer.serve")

# Seconds a client should wait before trying again: while the queue is full, and while the model loads.
RETRY_AFTER_OVERLOADED = "1"
RETRY_AFTER_LOADING = "5"
# How long a stop waits for requests in flight.
SHUTDOWN_SECONDS = 10.0


@dataclass
class _Serving:
    """What the server has once the model is loaded."""

    loaded: LoadedModel
    batcher: MicroBatcher
    context: ScoringContext


def _error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


def _infer(loaded: LoadedModel, limits: BatchLimits):
    def infer(texts: list[str]):
        ((_, probs),) = score_chunks(loaded, [(0, texts)], limits)
        return probs

    return infer


class ScoringServer:
    def __init__(self, config: ServeConfig):
        self.config = config
        self.stats = ServerStats()
        self.serving: _Serving | None = None
        self.app = web.Application(client_max_size=config.max_body_bytes, middlewares=[self._errors_as_json])
        self.app.router.add_get("/ping", self.ping)
        self.app.router.add_post("/invocations", self.invocations)
        self.app.router.add_get("/metrics", self.metrics)

    def ready(self, loaded: LoadedModel) -> None:
        """Starts serving with the loaded model; called on the event loop's thread."""
        gpu = loaded.device.type == "cuda"
        max_rows = self.config.max_batch_rows or (256 if gpu else 32)
        limits = BatchLimits.for_device(loaded.device, max_rows, None)
        batcher = MicroBatcher(
            _infer(loaded, limits),
            max_batch_rows=max_rows,
            max_delay_s=self.config.max_batch_delay_ms / 1000,
            max_queue_rows=self.config.max_queue_rows,
            stats=self.stats,
        )
        batcher.start()
        context = ScoringContext(loaded.heads, loaded.name, REALTIME_RUN_ID, REALTIME_RUN_ID, self.config.intensity)
        self.serving = _Serving(loaded, batcher, context)

    @web.middleware
    async def _errors_as_json(self, request: web.Request, handler):
        try:
            return await handler(request)
        except web.HTTPException as err:
            if err.status >= 400:
                self.stats.rejected("bad_request" if err.status < 500 else "error")
                message = (
                    err.text if err.status != 413 else f"the body is larger than {self.config.max_body_bytes} bytes: split the request"
                )
                return _error(err.status, message or err.reason)
            raise

    async def ping(self, _request: web.Request) -> web.Response:
        if self.serving is None:
            return _error(503, "the model is still loading", **{"Retry-After": RETRY_AFTER_LOADING})
        return web.json_response({"status": "healthy", "model": self.serving.loaded.name, "device": str(self.serving.loaded.device)})

    async def metrics(self, _request: web.Request) -> web.Response:
        return web.json_response(self._snapshot())

    def _snapshot(self) -> dict:
        serving = self.serving
        model = {"model": serving.loaded.name, "device": str(serving.loaded.device)} if serving else {"model": None, "device": None}
        batcher = serving.batcher if serving else None
        return model | self.stats.snapshot(batcher.queue_rows if batcher else 0, batcher.queue_rows_peak if batcher else 0)

    async def invocations(self, request: web.Request) -> web.Response:
        started = time.monotonic()
        serving = self.serving
        if serving is None:
            self.stats.rejected("not_ready")
            return _error(503, "the model is still loading", **{"Retry-After": RETRY_AFTER_LOADING})
        try:
            parsed = parse_request(await request.read(), request.content_type, self.config.max_request_headlines)
        except BadRequest as err:
            self.stats.rejected("bad_request")
            return _error(400, str(err))
        try:
            probs = await serving.batcher.score(parsed.texts)
        except Overloaded as err:
            self.stats.rejected("overloaded")
            return _error(
                503, f"the server is busy: {err}; retry after {RETRY_AFTER_OVERLOADED} s", **{"Retry-After": RETRY_AFTER_OVERLOADED}
            )
        table = scored_table(parsed.rows, probs, serving.context, datetime.now(UTC))
        body, content_type = encode_answer(answer_rows(table), parsed.shape)
        self.stats.answered(len(parsed.texts), time.monotonic() - started)
        return web.Response(body=body, content_type=content_type)

    async def log_stats(self) -> None:
        """One JSON line per interval in which requests came."""
        interval = self.config.stats_interval_s
        logged = 0
        while interval > 0:
            await asyncio.sleep(interval)
            if self.stats.counts.total() != logged:
                logged = self.stats.counts.total()
                log.info("%s", json.dumps({"event": "serve_stats"} | self._snapshot()))


async def _parent_gone(stop: asyncio.Event) -> None:
    parent = os.getppid()
    while os.getppid() == parent:
        await asyncio.sleep(1)
    log.info("the process that started the server is gone: stopping")
    stop.set()


async def serve(config: ServeConfig) -> None:
    """Listens, loads the model, serves until SIGTERM or SIGINT. A model that cannot be loaded raises
    JobInputError (or the loader's error) after the listener is closed."""
    server = ScoringServer(config)
    runner = web.AppRunner(server.app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("listening on %s:%d; loading the model from %s", config.host, config.port, config.model_dir)
    tasks = [loop.create_task(server.log_stats())]
    if config.exit_with_parent:
        tasks.append(loop.create_task(_parent_gone(stop)))
    try:
        started = time.monotonic()
        loading = loop.create_task(
            asyncio.to_thread(
                load_model, config.model_dir, device=config.device, dtype=config.dtype, max_length=config.max_length, name=config.model_name
            )
        )
        stopping = loop.create_task(stop.wait())
        await asyncio.wait({loading, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not stopping.done():
            loaded = loading.result()
            server.ready(loaded)
            log.info(
                "%s",
                json.dumps(
                    {
                        "event": "serve_ready",
                        "model": loaded.name,
                        "device": str(loaded.device),
                        "dtype": str(loaded.dtype).removeprefix("torch."),
                        "model_load_seconds": round(time.monotonic() - started, 3),
                        "port": config.port,
                    }
                ),
            )
            await stopping
        log.info("stopping")
    finally:
        for task in tasks:
            task.cancel()
        # Requests in flight are answered before the model stops.
        await runner.cleanup()
        if server.serving:
            await server.serving.batcher.close()
