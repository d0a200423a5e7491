import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import {
  DuckDBTypeId,
  StatementType,
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
import { curatedGlob, duckdbViewSql, partitionsOfRefreshStatement, type Partition } from "../../functions/core/lake/lake-table.ts";
import { repositoryTableDefinition } from "./table-definition.ts";

/**
 * DuckDB as the local Athena: goldpipe.headline_sentiment is a view over the lake directory's
 * curated Parquet, typed as athena/headline_sentiment.yml says, and the default schema, so both
 * `headline_sentiment` and `goldpipe.headline_sentiment` name it.
 */
export async function withLakeCatalog<T>(lake: string, fn: (db: DuckDBConnection) => Promise<T>): Promise<T> {
  const table = repositoryTableDefinition();
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

/** What a confined query may be: it reads (SELECT, and EXPLAIN of one); COPY, ATTACH, INSERT, SET and the rest are refused. */
const READING_STATEMENTS = new Set([StatementType.SELECT, StatementType.EXPLAIN]);
const UNRESTRICTED_HINT = "goldpipe query --unrestricted runs any statement on any file, as DuckDB itself would";

/**
 * Runs one SQL statement against the lake. By default the query is confined: it may only read,
 * and only the lake's curated files (DuckDB's allowed_directories, with external access off and the
 * configuration locked, so the SQL cannot undo either); a symbolic link among the curated files is
 * refused, since it could lead out of the lake. `unrestricted` lifts all of it. The statement's own
 * errors (syntax, unknown column, a bad cast) are the user's to fix, so they come back as
 * BadInputError with DuckDB's message; so does SQL holding several statements.
 */
export async function queryLake(
  lake: string,
  sql: string,
  params: (string | null)[] = [],
  options: { unrestricted?: boolean } = {},
): Promise<QueryResult> {
  const table = repositoryTableDefinition();
  const curatedDir = path.join(path.resolve(lake), table.LocationPrefix);
  if (!options.unrestricted) await refuseLinks(curatedDir);
  return withLakeCatalog(lake, async (db) => {
    if (!options.unrestricted) {
      await db.run(`SET allowed_directories = [${sqlString(`${curatedDir.replace(/\/+$/, "")}/`)}]`);
      await db.run("SET enable_external_access = false");
      await db.run("SET lock_configuration = true");
    }
    const statements = await db.extractStatements(sql).catch((error: Error) => {
      throw new BadInputError(error.message.trim());
    });
    if (statements.count !== 1) {
      throw new BadInputError(
        statements.count === 0 ? "there is no SQL statement to run" : `the SQL holds ${statements.count} statements; give one at a time`,
      );
    }
    const prepared = await statements.prepare(0).catch((error: Error) => {
      throw new BadInputError(error.message.trim(), /Permission Error/.test(error.message) ? UNRESTRICTED_HINT : undefined);
    });
    if (!options.unrestricted && !READING_STATEMENTS.has(prepared.statementType)) {
      throw new BadInputError(
        `goldpipe query reads the lake and changes nothing: ${StatementType[prepared.statementType]} statements are refused`,
        UNRESTRICTED_HINT,
      );
    }
    if (params.length > 0) prepared.bind(params);
    const reader = await prepared.runAndReadAll().catch((error: Error) => {
      throw new BadInputError(error.message.trim(), /Permission Error/.test(error.message) ? UNRESTRICTED_HINT : undefined);
    });
    const columns = reader.columnNames().map((name, i) => ({ name, type: reader.columnType(i).toString() }));
    return { columns, rows: reader.convertRowObjects(plainJson) as Record<string, Json>[] };
  });
}

/** A symbolic link under the curated table (or the table's folder being one) could lead a confined query out of the lake. */
async function refuseLinks(curatedDir: string): Promise<void> {
  const lakeDir = curatedDir.slice(0, curatedDir.length - repositoryTableDefinition().LocationPrefix.length);
  let folder = lakeDir;
  for (const part of path.relative(lakeDir, curatedDir).split(path.sep).filter(Boolean)) {
    folder = path.join(folder, part);
    if ((await lstat(folder).catch(() => undefined))?.isSymbolicLink()) throw linkRefused(folder);
  }
  const entries = await readdir(curatedDir, { recursive: true, withFileTypes: true }).catch(() => []);
  const link = entries.find((entry) => entry.isSymbolicLink());
  if (link) throw linkRefused(path.join(link.parentPath, link.name));
}

const linkRefused = (file: string) =>
  new BadInputError(
    `${file} is a symbolic link inside the lake's curated table; a confined query does not follow links`,
    UNRESTRICTED_HINT,
  );

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
