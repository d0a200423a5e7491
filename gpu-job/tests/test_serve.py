"""The real-time server over real HTTP (aiohttp's client against the server on a loopback port): SageMaker's
contract, answers equal to the batch job's, bad requests, a full queue, and the process as SageMaker starts it."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from conftest import GPU_JOB, headline_rows, headline_texts, read_scores, write_parquet_shard
from goldpipe_scorer.cli import main
from goldpipe_scorer.model import load_model
from goldpipe_scorer.serving.app import ScoringServer
from goldpipe_scorer.serving.config import ServeConfig

REPO = GPU_JOB.parent
STARTER_MODEL = REPO / "models/gold-headline-sentiment"
GOLD_HEADLINES_TSV = REPO.parent / "shared/data/gold-headlines-sinha-khandait.tsv"


def serve_config(**overrides) -> ServeConfig:
    return ServeConfig(model_dir=Path("unused"), host="127.0.0.1", port=0, device="cpu", **overrides)


def with_server(loaded, scenario, **overrides):
    """Runs scenario(client, server) against a ScoringServer listening on a loopback port; loaded=None leaves
    the model unloaded."""

    async def run():
        server = ScoringServer(serve_config(**overrides))
        if loaded is not None:
            server.ready(loaded)
        try:
            async with TestServer(server.app) as test_server, ClientSession(base_url=str(test_server.make_url(""))) as client:
                return await scenario(client, server)
        finally:
            if server.serving:
                await server.serving.batcher.close()

    return asyncio.run(run())


@pytest.fixture(scope="module")
def tiny_loaded(tiny_model):
    return load_model(tiny_model, device="cpu", dtype="float32", max_length=128, name=None)


def batch_job_scores(model: Path, rows: list[dict], dirs) -> dict[str, dict]:
    """The batch job's answer for the rows, by id."""
    write_parquet_shard(dirs.shard, rows)
    assert main(dirs.args(model, "--dtype", "float32")) == 0
    return {row["id"]: row for row in read_scores(dirs.output).to_pylist()}


def iso(value) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def as_request(row: dict) -> dict:
    return row | {"published_at": iso(row["published_at"])}


def test_ping_is_healthy_only_once_the_model_is_loaded(tiny_loaded):
    async def scenario(client, server):
        loading = await client.get("/ping")
        refused = await client.post("/invocations", json={"headline": "Gold rises"})
        server.ready(tiny_loaded)
        healthy = await client.get("/ping")
        return (loading.status, loading.headers.get("Retry-After"), refused.status), (healthy.status, await healthy.json())

    (loading, retry_after, refused), (healthy, body) = with_server(None, scenario)

    assert (loading, refused) == (503, 503) and retry_after == "5"
    assert healthy == 200 and body["status"] == "healthy" and body["device"] == "cpu"


def test_answers_carry_the_lake_fields_with_the_batch_jobs_labels_and_probabilities(tiny_model, tiny_loaded, dirs):
    rows = headline_rows(headline_texts(24, seed=11))
    expected = batch_job_scores(tiny_model, rows, dirs)

    async def scenario(client, _server):
        one = await client.post("/invocations", json=as_request(rows[0]))
        many = await client.post("/invocations", json=[as_request(r) for r in rows[1:12]])
        lines = "".join(json.dumps(as_request(r)) + "\n" for r in rows[12:])
        jsonl = await client.post("/invocations", data=lines, headers={"Content-Type": "application/jsonlines"})
        jsonl_rows = [json.loads(line) for line in (await jsonl.text()).splitlines()]
        return (await one.json(), await many.json(), (jsonl.content_type, jsonl_rows))

    obj, listed, (jsonl_type, jsonl_rows) = with_server(tiny_loaded, scenario)

    assert isinstance(obj, dict) and isinstance(listed, list) and len(listed) == 11
    assert jsonl_type == "application/jsonlines" and len(jsonl_rows) == 12
    for answer in [obj, *listed, *jsonl_rows]:
        batch = expected[answer["id"]]
        assert list(answer) == list(batch), "the answer's fields are the lake's, in the same order"
        assert answer["label"] == batch["label"]
        assert answer["probs"] == pytest.approx(dict(batch["probs"]), abs=1e-5)
        assert answer["intensity"] == batch["intensity"]
        assert answer["published_at"] == iso(batch["published_at"])
        assert (answer["origin"], answer["symbols"], answer["url"]) == (batch["origin"], batch["symbols"], batch["url"])
        assert answer["tagged_symbols"] == (batch.get("tagged_symbols") or []), "the instruments tagged at ingest pass through"
        assert (answer["run_id"], answer["shard_id"], answer["model"]) == ("realtime", "realtime", batch["model"])


BAD_REQUESTS = [
    (b'{"title": "Gold rises"}', "application/json", "the request has no headline (its fields: title)"),
    (b'[{"headline": "Gold rises"}, {"headline": 7}]', "application/json", "item 1: headline must be a string, not 7"),
    (b'{"headline": "   \\u0000  "}', "application/json", "headline is empty once control characters and whitespace are removed"),
    (b'{"headline": "Gold", "published_at": "yesterday"}', "application/json", "published_at must be an ISO 8601 time"),
    (b'{"headline": "Gold", "symbols": "GLD"}', "application/json", 'symbols must be a list, not "GLD"'),
    (b'{"headline": "Gold", "tagged_symbols": [7]}', "application/json", "tagged_symbols[] must be a string, not 7"),
    (b'{"headline": "Gold", "origin": {"file": "f", "line": "2"}}', "application/json", "origin.line must be a whole number"),
    (b'{"headline": "' + b"g" * 1001 + b'"}', "application/json", "headline is 1001 characters, more than 1000"),
    (b"[]", "application/json", "the request holds no headline"),
    (b'"Gold rises"', "application/json", "the body is a JSON str"),
    (b"{not json", "application/json", "the body is not JSON"),
    (b'{"headline": "a"}\n{oops\n', "application/jsonlines", "line 2 of the JSON Lines body is not JSON"),
    (b"\xff\xfe", "application/json", "the body is not UTF-8"),
    (json.dumps([{"headline": "Gold"}] * 4).encode(), "application/json", "the request holds 4 headlines, more than the 3"),
]


@pytest.mark.parametrize(("body", "content_type", "message"), BAD_REQUESTS)
def test_a_bad_request_gets_400_saying_what_is_wrong(tiny_loaded, body, content_type, message):
    async def scenario(client, _server):
        answer = await client.post("/invocations", data=body, headers={"Content-Type": content_type})
        return answer.status, await answer.json()

    status, answer = with_server(tiny_loaded, scenario, max_request_headlines=3)

    assert status == 400
    assert message in answer["error"]


def test_a_body_over_the_limit_gets_413(tiny_loaded):
    async def scenario(client, _server):
        answer = await client.post("/invocations", json=[{"headline": "Gold rises on the dollar"}] * 100)
        return answer.status, await answer.json()

    status, answer = with_server(tiny_loaded, scenario, max_body_bytes=1024)

    assert status == 413
    assert answer["error"] == "the body is larger than 1024 bytes: split the request"


def test_a_full_queue_answers_503_with_retry_after_and_the_queue_stays_bounded(tiny_loaded):
    # The first batch waits half a second for companions, so the queue fills while 60 requests arrive.
    async def scenario(client, _server):
        async def post(i):
            answer = await client.post("/invocations", json={"headline": f"Gold rises {i}", "id": f"h{i}"})
            return answer.status, answer.headers.get("Retry-After"), await answer.json()

        answers = await asyncio.gather(*(post(i) for i in range(60)))
        return answers, await (await client.get("/metrics")).json()

    answers, metrics = with_server(tiny_loaded, scenario, max_queue_rows=8, max_batch_delay_ms=500)

    refused = [a for a in answers if a[0] == 503]
    scored = [a for a in answers if a[0] == 200]
    assert len(refused) + len(scored) == 60
    assert refused and all(retry == "1" and "the server is busy" in body["error"] for _, retry, body in refused)
    assert 8 <= len(scored) < 60 and all(body["label"] in ("positive", "neutral", "negative") for _, _, body in scored)
    assert metrics["rejected"]["overloaded"] == len(refused)
    assert metrics["requests"] == len(scored)
    assert metrics["queue_rows_peak"] <= 8


def test_requests_that_arrive_together_share_a_forward_pass(tiny_loaded):
    async def scenario(client, _server):
        answers = await asyncio.gather(*(client.post("/invocations", json={"headline": f"Gold edges higher {i}"}) for i in range(16)))
        assert all(answer.status == 200 for answer in answers)
        return await (await client.get("/metrics")).json()

    metrics = with_server(tiny_loaded, scenario, max_batch_delay_ms=200, max_batch_rows=16)

    assert metrics["requests"] == 16
    assert metrics["batches"] < 16 and metrics["batch_rows"]["max"] > 1


def headlines_of(path: Path, column: str, delimiter: str) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return [row[column] for row in csv.DictReader(f, delimiter=delimiter)]


LABEL_EQUALITY_DATA = [
    pytest.param(REPO / "samples/headlines.csv", "headline", ",", id="samples"),
    pytest.param(
        GOLD_HEADLINES_TSV,
        "News",
        "\t",
        id="gold-headlines",
        marks=pytest.mark.skipif(not GOLD_HEADLINES_TSV.exists(), reason=f"the shared data set {GOLD_HEADLINES_TSV} is absent"),
    ),
]


@pytest.mark.parametrize(("path", "column", "delimiter"), LABEL_EQUALITY_DATA)
def test_the_starter_model_gives_the_batch_jobs_labels_for_every_headline(path, column, delimiter, dirs):
    expected = batch_job_scores(STARTER_MODEL, headline_rows(headlines_of(path, column, delimiter)), dirs)
    # The rows the batch job scored: it sets aside a headline left empty once cleaned, as the server refuses it.
    rows = list(expected.values())
    loaded = load_model(STARTER_MODEL, device="cpu", dtype="float32", max_length=128, name=None)

    async def scenario(client, _server):
        async def post(part):
            answer = await client.post("/invocations", json=[{"id": r["id"], "headline": r["headline"]} for r in part])
            assert answer.status == 200, await answer.text()
            return await answer.json()

        parts = await asyncio.gather(*(post(rows[i : i + 500]) for i in range(0, len(rows), 500)))
        return [answer for part in parts for answer in part]

    answers = with_server(loaded, scenario, max_batch_rows=256, max_queue_rows=len(rows))

    assert len(answers) == len(rows)
    differing = [a["id"] for a in answers if a["label"] != expected[a["id"]]["label"]]
    assert differing == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_process(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "goldpipe_scorer", "serve", *args],
        cwd=GPU_JOB,
        env={**os.environ, "PYTHONPATH": str(GPU_JOB), "OMP_NUM_THREADS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def http(method: str, url: str, body: bytes | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_the_container_serves_as_sagemaker_starts_it_and_stops_on_sigterm(tiny_model):
    port = free_port()
    process = serve_process("--model-dir", str(tiny_model), "--port", str(port), "--host", "127.0.0.1", "--device", "cpu")
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.stderr.read()
            try:
                if http("GET", f"http://127.0.0.1:{port}/ping")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server never became healthy"
            time.sleep(0.2)
        status, answer = http("POST", f"http://127.0.0.1:{port}/invocations", b'{"headline": "Gold jumps as the dollar slides"}')
        assert status == 200 and answer["headline"] == "Gold jumps as the dollar slides"
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert '"event": "serve_ready"' in stderr


def test_a_model_that_cannot_be_loaded_stops_the_server_with_the_reason(tmp_path):
    process = serve_process("--model-dir", str(tmp_path), "--port", str(free_port()), "--host", "127.0.0.1")
    _, stderr = process.communicate(timeout=90)

    assert process.returncode == 2
    assert f"model directory {tmp_path} holds neither config.json nor model.tar.gz" in stderr
    assert "Traceback" not in stderr


def test_a_bad_option_exits_2_with_a_message():
    process = serve_process("--max-queue-rows", "0")
    _, stderr = process.communicate(timeout=90)

    assert process.returncode == 2
    assert "--max-queue-rows / GOLDPIPE_MAX_QUEUE_ROWS must be at least 1, got 0" in stderr
