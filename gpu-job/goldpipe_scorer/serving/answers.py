"""The answer to /invocations: every column of the scored table (the lake's fields) as JSON, for any column
output.scored_table adds: maps become objects, structs objects, timestamps ISO 8601 UTC strings ending in Z."""

from __future__ import annotations

import json
from datetime import datetime

import pyarrow as pa


def _converter(type_: pa.DataType):
    if pa.types.is_timestamp(type_):
        return lambda v: None if v is None else _iso(v)
    if pa.types.is_map(type_):
        value = _converter(type_.item_type)
        return lambda v: None if v is None else {k: value(x) for k, x in v}
    if pa.types.is_struct(type_):
        fields = [(type_.field(i).name, _converter(type_.field(i).type)) for i in range(type_.num_fields)]
        return lambda v: None if v is None else {name: convert(v.get(name)) for name, convert in fields}
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        value = _converter(type_.value_type)
        return lambda v: None if v is None else [value(x) for x in v]
    return lambda v: v


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def answer_rows(table: pa.Table) -> list[dict]:
    converters = [(field.name, _converter(field.type)) for field in table.schema]
    return [{name: convert(row[name]) for name, convert in converters} for row in table.to_pylist()]


def encode_answer(rows: list[dict], shape: str) -> tuple[bytes, str]:
    """The body and its content type: an object for an object, a list for a list, JSON Lines for JSON Lines."""
    if shape == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode(), "application/jsonlines"
    document = rows[0] if shape == "object" else rows
    return json.dumps(document, ensure_ascii=False).encode(), "application/json"
