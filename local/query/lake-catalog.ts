import path from "node:path";
import {
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  type DuckDBConnection,
  type DuckDBMapType,
  type DuckDBMapValue,
  type DuckDBValueConverter,
  type Json,
} from "@duckdb/node-api";
import { withDuckDB } from "../../functions/core/lake/duckdb.ts";
import { sqlString } from "../../functions/core/lake/sql-literal.ts";
import { BadInputError } from "../../functions/core/errors.ts";
import {
  curatedGlob,
  duckdbViewSql,
  headlineSentimentTable,
  partitionsOfRefreshStatement,
  type Partition,
} from "../../functions/core/lake/lake-table.ts";

/**
 * DuckDB as the local Athena: goldpipe.headline_sentiment is a view over the lake directory's
 * curated Parquet, typed as athena/headline_sentiment.yml says, and the default schema, so both
 * `headline_sentiment` and `goldpipe.headline_sentiment` name it.
 */
export async function withLakeCatalog<T>(lake: string, fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  const table = headlineSentimentTable();
  const lakeDir = path.resolve(lake);
  return withDuckDB(async (db) => {
    const glob = sqlString(curatedGlob(table, lakeDir));
    const files = (await db.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM glob(${glob})`)).getRowObjectsJS();
    await db.run(`CREATE SCHEMA ${table.Database}`);
    await db.run(duckdbViewSql(table, lakeDir, Number(files[0]!.n) > 0));
    await db.run(`SET schema = ${sqlString(table.Database)}`);
    return fn(db);
  });
}

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, Json>[];
}

/**
 * Runs one SQL statement against the lake. The statement's own errors (syntax, unknown column, a
 * bad cast) are the user's to fix, so they come back as BadInputError with DuckDB's message.
 */
export async function queryLake(lake: string, sql: string, params: (string | null)[] = []): Promise<QueryResult> {
  return withLakeCatalog(lake, async (db) => {
    const reader = await db.runAndReadAll(sql, params.length > 0 ? params : undefined).catch((error: Error) => {
      throw new BadInputError(error.message.trim());
    });
    const columns = reader.columnNames().map((name, i) => ({ name, type: reader.columnType(i).toString() }));
    return { columns, rows: reader.convertRowObjects(plainJson) as Record<string, Json>[] };
  });
}

export interface VisiblePartition extends Partition {
  rows: number;
}

/**
 * The local RefreshPartitions, one statement at a time: the view reads every file under the lake's
 * table prefix, so there is nothing to register; what matters is that the partitions the statement
 * names are now visible through the same SELECTs Athena would run. Throws when one is not.
 */
export async function refreshLocalCatalog(lake: string, statement: string): Promise<{ partitions: VisiblePartition[] }> {
  const wanted = partitionsOfRefreshStatement(statement);
  return withLakeCatalog(lake, async (db) => {
    const filter = `WHERE (year, month, day) IN (${wanted.map((p) => `(${p.year}, ${p.month}, ${p.day})`).join(", ")})`;
    const visible = (
      await db.runAndReadAll(
        `SELECT year, month, day, count(*)::INTEGER AS rows FROM headline_sentiment ${filter} GROUP BY ALL ORDER BY ALL`,
      )
    ).getRowObjectsJS() as unknown as VisiblePartition[];
    const missing = wanted.filter((p) => !visible.some((v) => samePartition(v, p)));
    if (missing.length > 0) {
      const names = missing.map((p) => `${p.year}-${p.month}-${p.day}`).join(", ");
      throw new Error(`partitions ${names} hold no rows in the local catalog over ${lake}: the merge did not write them`);
    }
    return { partitions: visible };
  });
}

const samePartition = (a: Partition, b: Partition) => a.year === b.year && a.month === b.month && a.day === b.day;

/** JSON as a user wants it: integers as numbers where they fit, maps as objects. */
const plainJson: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.DECIMAL: {
      const number = Number(String(value));
      return Number.isSafeInteger(number) || type.typeId === DuckDBTypeId.DECIMAL ? number : String(value);
    }
    case DuckDBTypeId.MAP:
      return Object.fromEntries(
        (value as DuckDBMapValue).entries.map((entry) => [
          String(entry.key),
          converter(entry.value, (type as DuckDBMapType).valueType, converter),
        ]),
      );
    default:
      return JsonDuckDBValueConverter(value, type, converter);
  }
};
