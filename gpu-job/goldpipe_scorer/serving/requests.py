"""What POST /invocations accepts: a JSON object with a headline (and optional id, published_at, source, symbols, tagged_symbols,
url, origin), a JSON list of such objects, or JSON Lines; each checked, with a message naming what is wrong."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import pyarrow as pa

from goldpipe_scorer.shard import HEADLINE_SCHEMA, clean_headlines

JSON_LINES_TYPES = frozenset({"application/jsonlines", "application/x-jsonlines", "application/jsonl", "application/x-ndjson"})
# The longest headline ingest accepts (functions/core/ingest/normalize.ts, MAX_CHARS).
MAX_HEADLINE_CHARS = 1000
SHAPE_HINT = 'send {"headline": "..."}, a JSON list of such objects, or JSON Lines (Content-Type: application/jsonlines)'

Shape = Literal["object", "list", "jsonl"]


class BadRequest(Exception):
    """A request the client must fix; the message says what is wrong and is the 400's answer."""


@dataclass
class ParsedRequest:
    rows: pa.Table
    """The headlines in the shard's columns (shard.HEADLINE_SCHEMA)."""
    texts: list[str]
    """What the model sees of each headline, cleaned as the batch job cleans it."""
    shape: Shape


def parse_request(body: bytes, content_type: str, max_headlines: int) -> ParsedRequest:
    shape, items = _items(body, content_type)
    if not items:
        raise BadRequest(f"the request holds no headline: {SHAPE_HINT}")
    if len(items) > max_headlines:
        raise BadRequest(f"the request holds {len(items)} headlines, more than the {max_headlines} one request may carry: split it")
    where = (lambda _: "the request") if shape == "object" else (lambda i: f"item {i}")
    rows = [_row(item, where(i)) for i, item in enumerate(items)]
    table = pa.Table.from_pylist(rows, schema=HEADLINE_SCHEMA)
    texts = clean_headlines(table.column("headline")).to_pylist()
    for i, text in enumerate(texts):
        if not text:
            raise BadRequest(f"{where(i)}: headline is empty once control characters and whitespace are removed")
    return ParsedRequest(table, texts, shape)


def _items(body: bytes, content_type: str) -> tuple[Shape, list]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadRequest(f"the body is not UTF-8 (byte {err.start}): {SHAPE_HINT}") from None
    if content_type in JSON_LINES_TYPES:
        return "jsonl", _json_lines(text)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        if text.strip().count("\n") > 0:
            return "jsonl", _json_lines(text)
        raise BadRequest(f"the body is not JSON ({err.msg} at line {err.lineno} column {err.colno}): {SHAPE_HINT}") from None
    if isinstance(document, dict):
        return "object", [document]
    if isinstance(document, list):
        return "list", document
    raise BadRequest(f"the body is a JSON {type(document).__name__}: {SHAPE_HINT}")


def _json_lines(text: str) -> list:
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise BadRequest(f"line {number} of the JSON Lines body is not JSON ({err.msg} at column {err.colno})") from None
    return items


def _row(item, where: str) -> dict:
    if not isinstance(item, dict):
        raise BadRequest(f"{where} is a JSON {type(item).__name__}, not an object with a headline")
    headline = item.get("headline")
    if headline is None:
        keys = ", ".join(sorted(item)) or "none"
        raise BadRequest(f"{where} has no headline (its fields: {keys})")
    _expect(where, "headline", headline, str)
    if len(headline) > MAX_HEADLINE_CHARS:
        raise BadRequest(f"{where}: headline is {len(headline)} characters, more than {MAX_HEADLINE_CHARS}")
    for field in ("id", "source", "url"):
        _expect(where, field, item.get(field), str, optional=True)
    symbols = item.get("symbols")
    tagged = item.get("tagged_symbols")
    for field, values in (("symbols", symbols), ("tagged_symbols", tagged)):
        _expect(where, field, values, list, optional=True)
        for symbol in values or []:
            _expect(where, f"{field}[]", symbol, str)
    origin = item.get("origin")
    _expect(where, "origin", origin, dict, optional=True)
    if origin is not None:
        _expect(where, "origin.file", origin.get("file"), str)
        line = origin.get("line")
        if not isinstance(line, int) or isinstance(line, bool):
            raise BadRequest(f"{where}: origin.line must be a whole number, not {json.dumps(line)}")
    return {
        "id": item.get("id"),
        "headline": headline,
        "published_at": _published_at(item.get("published_at"), where),
        "symbols": symbols or [],
        "tagged_symbols": tagged or [],
        "source": item.get("source"),
        "url": item.get("url"),
        "origin": origin,
    }


def _expect(where: str, field: str, value, kind: type, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, kind):
        wanted = {str: "a string", list: "a list", dict: "an object"}[kind]
        raise BadRequest(f"{where}: {field} must be {wanted}, not {json.dumps(value)}")


def _published_at(value, where: str) -> datetime | None:
    if value is None:
        return None
    problem = f"{where}: published_at must be an ISO 8601 time such as 2024-03-01T14:30:00Z, not {json.dumps(value)}"
    if not isinstance(value, str):
        raise BadRequest(problem)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadRequest(problem) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
