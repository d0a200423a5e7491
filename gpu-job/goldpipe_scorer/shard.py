"""Reading a shard: every *.parquet and *.jsonl file in the shard directory, as one Arrow table
with the headline columns (functions/core/headline.ts, HEADLINE_DUCKDB_COLUMNS) in their
canonical types, followed by any other columns the files carry."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson
import pyarrow.parquet as pq

from goldpipe_scorer.errors import JobInputError

ORIGIN_TYPE = pa.struct([("file", pa.string()), ("line", pa.int64())])
HEADLINE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("headline", pa.string()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("symbols", pa.list_(pa.string())),
        ("tagged_symbols", pa.list_(pa.string())),
        ("source", pa.string()),
        ("url", pa.string()),
        ("origin", ORIGIN_TYPE),
    ]
)
REQUIRED_COLUMNS = ("id", "headline")


def shard_files(shard_dir: Path) -> list[Path]:
    if not shard_dir.is_dir():
        raise JobInputError(f"shard directory {shard_dir} does not exist: pass --shard-dir or mount the shard there")
    files = sorted(p for p in shard_dir.iterdir() if p.is_file() and p.suffix in (".parquet", ".jsonl"))
    if not files:
        raise JobInputError(f"shard directory {shard_dir} holds no *.parquet or *.jsonl file")
    return files


def _read_file(path: Path) -> pa.Table:
    try:
        if path.suffix == ".parquet":
            return pq.read_table(path)
        # JSONL: published_at is an ISO 8601 string, parsed to a UTC timestamp on the way in.
        json_schema = pa.schema(
            [f if f.name != "published_at" else pa.field("published_at", pa.timestamp("us", tz="UTC")) for f in HEADLINE_SCHEMA]
        )
        if path.stat().st_size == 0:
            return json_schema.empty_table()
        return pajson.read_json(path, parse_options=pajson.ParseOptions(explicit_schema=json_schema, newlines_in_values=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as err:
        raise JobInputError(f"shard file {path.name} cannot be read: {err}") from err


def _conform(table: pa.Table, name: str) -> pa.Table:
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise JobInputError(f"shard file {name} has no {' or '.join(missing)} column (it has: {', '.join(table.column_names) or 'none'})")
    columns, fields = [], []
    for field in HEADLINE_SCHEMA:
        if field.name in table.column_names:
            try:
                columns.append(table.column(field.name).cast(field.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
                raise JobInputError(
                    f"shard file {name}: column {field.name} is {table.schema.field(field.name).type}, expected {field.type}: {err}"
                ) from err
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
        fields.append(field)
    for extra in (f for f in table.schema if f.name not in HEADLINE_SCHEMA.names):
        columns.append(table.column(extra.name))
        fields.append(extra)
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def read_shard(shard_dir: Path) -> pa.Table:
    tables = [_conform(_read_file(path), path.name) for path in shard_files(shard_dir)]
    try:
        return pa.concat_tables(tables, promote_options="permissive").combine_chunks()
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise JobInputError(f"the shard's files have extra columns of clashing types: {err}") from err


def row_keys(table: pa.Table) -> pa.Array:
    """A row's identity for resuming: its id and where it came from (file and line), so that two
    rows sharing an id (the same headline dropped twice) are each scored once."""
    origin = table.column("origin").combine_chunks() if table.num_rows else pa.nulls(0, ORIGIN_TYPE)
    parts = [
        pc.fill_null(table.column("id").combine_chunks() if table.num_rows else pa.array([], pa.string()), ""),
        pc.fill_null(pc.struct_field(origin, "file"), ""),
        pc.fill_null(pc.cast(pc.struct_field(origin, "line"), pa.string()), ""),
    ]
    return pc.binary_join_element_wise(*parts, "\x1f")


def clean_headlines(headlines: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The text the model sees: control and format characters and runs of whitespace become one
    space, then the ends are trimmed. Null stays null."""
    collapsed = pc.replace_substring_regex(headlines, pattern=r"[\p{Cc}\p{Cf}\p{Z}\s]+", replacement=" ")
    return pc.utf8_trim_whitespace(collapsed)
