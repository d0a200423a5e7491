/**
 * `make athena-check` (opt-in, not in CI): the named queries on a real Trino server (Athena engine v3 is Trino)
 * and on DuckDB over the same lake, answers compared value by value. The table is created from
 * athena/headline_sentiment.yml, its partitions registered with the values and locations of the refresh
 * statements the merge writes; a partition counted twice, a DECIMAL where DuckDB has a DOUBLE or a timestamp
 * read at another precision shows up as a difference.
 *
 *   node checks/athena-check.ts [--lake DIR] [--port 18080]
 *
 * Without --lake it scores samples/headlines.csv with the local pipeline first (the real GPU job, on the CPU).
 */
import { execFileSync } from "node:child_process";
import { cp, mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { qualifiedName, refreshStatements, type Partition } from "../functions/core/lake/lake-table.ts";
import { sqlString } from "../functions/core/lake/sql-literal.ts";
import { CURATED_PREFIX } from "../functions/core/lake-keys.ts";
import { queryLake } from "../local/query/lake-catalog.ts";
import { repositoryTableDefinition } from "../local/query/table-definition.ts";
import { namedQueries } from "../local/query/named-queries.ts";
import { installTrino, TRINO_VERSION, TrinoServer } from "./trino-server.ts";
import { trinoType } from "./trino-type.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TRINO_HOME = path.join(ROOT, ".trino");

interface Check {
  name: string;
  sql: string;
}

interface Answer {
  columns: { name: string; type: string }[];
  rows: unknown[][];
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { lake: { type: "string" }, port: { type: "string", default: "18080" } } });
  const work = path.join(TRINO_HOME, "check");
  const lake = path.join(work, "lake");
  await rm(work, { recursive: true, force: true });
  await mkdir(lake, { recursive: true });
  if (values.lake) {
    await cp(path.join(values.lake, CURATED_PREFIX), path.join(lake, CURATED_PREFIX), { recursive: true });
  } else {
    console.error("scoring samples/headlines.csv with the local pipeline…");
    execFileSync(
      process.execPath,
      [path.join(ROOT, "bin/goldpipe.mjs"), "run", "samples/headlines.csv", "--lake", lake, "--shard-size", "1000"],
      {
        cwd: ROOT,
        env: { ...process.env, OMP_NUM_THREADS: "1" },
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
  }
  const partitions = await lakePartitions(lake);
  if (partitions.length === 0) throw new Error(`no curated Parquet under ${path.join(lake, CURATED_PREFIX)}`);

  const server = installTrino(TRINO_HOME);
  console.error(`starting Trino ${TRINO_VERSION} (a minute or two)…`);
  const trino = await TrinoServer.start(server, work, lake, Number(values.port));
  try {
    await createTable(trino, partitions);
    const checks = await checksToRun(partitions);
    let differences = 0;
    console.log(`\n${"check".padEnd(34)} ${"rows Trino/DuckDB".padEnd(18)} result`);
    for (const check of checks) {
      const [onTrino, onDuckDB] = [await trino.query(check.sql), await duckdbAnswer(lake, check.sql)];
      const difference = compare(onTrino, onDuckDB);
      if (difference) differences++;
      console.log(`${check.name.padEnd(34)} ${`${onTrino.rows.length}/${onDuckDB.rows.length}`.padEnd(18)} ${difference ?? "same answer"}`);
    }
    console.log(`\n${checks.length - differences} of ${checks.length} checks answer the same on Trino ${TRINO_VERSION} and DuckDB`);
    return differences === 0 ? 0 : 1;
  } finally {
    trino.stop();
  }
}

/** The partitions the lake holds, from its keys (year=YYYY/month=MM/day=DD). */
async function lakePartitions(lake: string): Promise<Partition[]> {
  const entries = await readdir(path.join(lake, CURATED_PREFIX), { recursive: true }).catch(() => [] as string[]);
  const found = new Map<string, Partition>();
  for (const entry of entries) {
    const match = /^year=(\d+)\/month=(\d+)\/day=(\d+)$/.exec(entry.split(path.sep).join("/"));
    if (match) found.set(entry, { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) });
  }
  return [...found.values()];
}

/** The table as athena/headline_sentiment.yml defines it, and its partitions as the refresh statements register them. */
async function createTable(trino: TrinoServer, partitions: Partition[]): Promise<void> {
  const table = repositoryTableDefinition();
  await trino.query(`CREATE SCHEMA hive.${table.Database}`, "default");
  const columns = [...table.Columns, ...table.PartitionKeys].map((c) => `"${c.Name}" ${trinoType(c.Type)}`).join(", ");
  const keys = table.PartitionKeys.map((k) => sqlString(k.Name)).join(", ");
  const location = sqlString(`local:///${table.LocationPrefix}`);
  await trino.query(
    `CREATE TABLE hive.${table.Database}.${table.Name} (${columns}) ` +
      `WITH (external_location = ${location}, format = 'PARQUET', partitioned_by = ARRAY[${keys}])`,
  );
  // Trino has no ALTER TABLE … ADD PARTITION (Hive syntax): each clause of the statements becomes register_partition.
  const clause = /PARTITION \(year = (\d+), month = (\d+), day = (\d+)\) LOCATION '([^']+)'/g;
  for (const statement of refreshStatements(qualifiedName(table), partitions, "local:///")) {
    for (const [, year, month, day, location] of statement.matchAll(clause)) {
      await trino.query(
        `CALL system.register_partition(${sqlString(table.Database)}, ${sqlString(table.Name)}, ARRAY[${keys}], ` +
          `ARRAY['${year}', '${month}', '${day}'], ${sqlString(location!)})`,
      );
    }
  }
}

/** Every named query (each parameter left to its default, then set), and the table's counts and timestamps. */
async function checksToRun(partitions: Partition[]): Promise<Check[]> {
  const first = partitions.sort((a, b) => a.year - b.year || a.month - b.month || a.day - b.day)[0]!;
  const day = `${first.year}-${String(first.month).padStart(2, "0")}-${String(first.day).padStart(2, "0")}`;
  // Athena binds execution parameters as literals; so does this check.
  const bind = (sql: string, literal: string) => sql.replaceAll("?", literal);
  const checks: Check[] = [];
  for (const query of await namedQueries()) {
    checks.push({ name: `named ${query.name}`, sql: bind(query.sql, "NULL") });
    if (query.params.length > 0) checks.push({ name: `named ${query.name} (${day})`, sql: bind(query.sql, sqlString(day)) });
  }
  checks.push(
    { name: "rows per partition", sql: "SELECT year, month, day, count(*) AS n FROM headline_sentiment GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" },
    { name: "rows and distinct ids", sql: "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM headline_sentiment" },
    { name: "timestamps as written", sql: "SELECT id, published_at, scored_at FROM headline_sentiment ORDER BY id, scored_at" },
  );
  return checks;
}

async function duckdbAnswer(lake: string, sql: string): Promise<Answer> {
  const result = await queryLake(lake, sql);
  return { columns: result.columns, rows: result.rows.map((row) => result.columns.map((c) => row[c.name])) };
}

/** The first difference between the two answers, or undefined when they agree. */
function compare(trino: Answer, duckdb: Answer): string | undefined {
  const names = (a: Answer) => a.columns.map((c) => c.name).join(", ");
  if (names(trino) !== names(duckdb)) return `columns differ: ${names(trino)} / ${names(duckdb)}`;
  for (const [i, column] of trino.columns.entries()) {
    const [t, d] = [family(column.type), family(duckdb.columns[i]!.type)];
    if (t !== d) return `${column.name} is ${column.type} on Trino, ${duckdb.columns[i]!.type} on DuckDB`;
  }
  if (trino.rows.length !== duckdb.rows.length) return `${trino.rows.length} rows on Trino, ${duckdb.rows.length} on DuckDB`;
  for (const [r, row] of trino.rows.entries()) {
    for (const [c, value] of row.entries()) {
      const other = duckdb.rows[r]![c];
      if (JSON.stringify(normalize(value)) !== JSON.stringify(normalize(other))) {
        return `row ${r + 1}, ${trino.columns[c]!.name}: ${JSON.stringify(value)} on Trino, ${JSON.stringify(other)} on DuckDB`;
      }
    }
  }
  return undefined;
}

/** A column type's family, so that Trino's and DuckDB's names for the same type compare equal. */
function family(type: string): string {
  const t = type.toLowerCase();
  if (t.startsWith("decimal")) return "decimal";
  if (/^(double|real|float)/.test(t)) return "double";
  if (/^(bigint|integer|int|smallint|tinyint|hugeint)/.test(t)) return "integer";
  if (t.startsWith("timestamp")) return "timestamp";
  if (t.startsWith("array") || t.endsWith("[]")) return "array";
  return t.replace(/\(.*$/, "");
}

/** Values as both engines mean them: numbers to 12 digits, timestamps without trailing fractional zeros. */
function normalize(value: unknown): unknown {
  if (typeof value === "number") return Number(value.toPrecision(12));
  if (typeof value === "string") {
    const timestamp = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(value);
    if (timestamp) return `${timestamp[1]} ${timestamp[2]}${(timestamp[3] ?? "").replace(/\.?0+$/, "")}`;
    return value;
  }
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`athena-check: ${error.message}`);
    process.exit(2);
  },
);
