import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { forEachConcurrently } from "../concurrency.ts";
import { withDuckDB } from "./duckdb.ts";
import { sqlString } from "./sql-literal.ts";
import { SCORED_HEADLINE_DUCKDB_COLUMNS } from "../headline.ts";
import { qualifiedName, refreshStatements, sortPartitions, type Partition, type TableDefinition } from "./lake-table.ts";
import { curatedKey, curatedPartitionPrefix, refreshStatementKey, runPrefix } from "../lake-keys.ts";
import { curatedFilesIn, readMergeRecord, stillMerged, writeMergeRecord, type MergeRecord } from "./merge-record.ts";
import type { MergeResult } from "./merge-result.ts";
export type { MergeResult };
import type { ObjectInfo, ObjectStore } from "../ports.ts";
import { makeTemporaryFolder } from "../temporary-folder.ts";

export interface MergeOptions {
  store: ObjectStore;
  /** The curated table's definition (athena/headline_sentiment.yml), which names the table the refresh registers partitions in. */
  table: TableDefinition;
  /** The bucket behind the store, for the partitions' S3 locations; without it they are lake-relative keys. */
  bucket?: string;
  /** The Glue database holding the table in this stage; the table definition's by default. */
  database?: string;
  /** Memory DuckDB may take before it spills to the temporary directory; its default (most of the machine's) without it. */
  memoryLimitMb?: number;
}

/**
 * Curated Parquet layout, for Athena: one file per run and day (DuckDB cannot roll files over
 * while it partitions; a million headlines of one day come to some 60 MB), in row groups of this
 * many rows, a few MB of zstd-compressed headlines each, which Athena reads in parallel.
 */
export const CURATED_ROW_GROUP_ROWS = 262_144;

/** Objects fetched or stored at once. */
const TRANSFER_CONCURRENCY = 8;

const SCORED_PART = /scores\/(\d+)\/part-[^/]+\.parquet$/;
const SCORED_SUCCESS = /scores\/(\d+)\/_SUCCESS$/;
const MERGED_FILE = /^year=(\d+)\/month=(\d+)\/day=(\d+)\/part-(\d+)\.parquet$/;
/** The UTC date of published_at by epoch arithmetic: year()/month()/day() of a TIMESTAMPTZ go through ICU, several times slower. */
const UTC_DATE = "(DATE '1970-01-01' + CAST(floor(epoch_us(published_at) / 86400000000) AS INTEGER))";

/**
 * Merges a run's scored chunks into the curated table, idempotently.
 *
 * Only shards with a success checkpoint are merged: a failed shard's partial chunks wait for its
 * replay. Within the run, one row per id is kept (the first by shard and origin). Across runs, a
 * headline already curated by another run in the partitions this run touches stays where it is
 * and this run's copy is counted as a duplicate. The run's own earlier files are not "another
 * run": they are replaced, and files of the run left over from an earlier merge are deleted, so
 * merging the same run again leaves the table as it was. When nothing it would read has changed
 * since its last merge (runs/<run_id>/merged.json), merging again writes nothing at all.
 */
export async function mergeRun(runId: string, options: MergeOptions): Promise<MergeResult> {
  const started = performance.now();
  const { store } = options;
  const scored = await successfulScoreChunks(store, runId);
  const previous = await readMergeRecord(store, runId);
  const record = previous && (await stillMerged(store, previous, scored)) ? previous : await merge(runId, scored, options);
  const partitions = sortPartitions(record.partitions);
  const statements = refreshStatements(
    qualifiedName(options.table, options.database),
    partitions,
    options.bucket ? `s3://${options.bucket}/` : "",
  );
  const refresh = statements.map((sql, k) => ({ key: refreshStatementKey(runId, k), sql }));
  await forEachConcurrently(refresh, TRANSFER_CONCURRENCY, ({ key, sql }) => store.put(key, sql, { contentType: "application/sql" }));
  return {
    run_id: runId,
    rows_scored: record.rows_scored,
    rows_curated: record.rows_curated,
    duplicates: record.rows_scored - record.rows_curated,
    partitions,
    refresh_statements: refresh.map(({ key }) => key),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Writes the run's curated files, deletes its stale ones, and records what it read and wrote. */
async function merge(runId: string, scored: ObjectInfo[], { store, memoryLimitMb }: MergeOptions): Promise<MergeRecord> {
  const tmp = await makeTemporaryFolder("merge");
  try {
    const scoredFiles = await fetchAll(
      store,
      scored.map((o) => o.key),
      path.join(tmp, "scores"),
    );
    const outDir = path.join(tmp, "curated");
    const merged = await withDuckDB(async (db) => {
      await db.run(`SET temp_directory = ${sqlString(path.join(tmp, "spill"))}`);
      if (memoryLimitMb !== undefined) await db.run(`SET memory_limit = '${Math.floor(memoryLimitMb)}MB'`);
      if (scoredFiles.length === 0) return { rowsScored: 0, rowsCurated: 0, days: [], existing: { own: [], others: [] } };
      await db.run(`CREATE VIEW scored AS ${scoredRows(scoredFiles)}`);
      const { rows, days } = await inspect(db, runId);
      const existing = await curatedFilesIn(store, days, runId);
      const earlierFiles = await fetchAll(
        store,
        existing.others.map((o) => o.key),
        path.join(tmp, "earlier"),
      );
      const largeDays = days.filter((day) => day.rows > CURATED_ROW_GROUP_ROWS);
      const rowsCurated = await writeFirstOfEachHeadline(db, earlierFiles, largeDays, outDir);
      return { rowsScored: rows, rowsCurated, days: days.map(({ year, month, day }) => ({ year, month, day })), existing };
    });
    const written = await uploadCurated(store, outDir, runId);
    const stale = merged.existing.own.filter((o) => !written.some((w) => w.key === o.key));
    await forEachConcurrently(stale, TRANSFER_CONCURRENCY, (o) => store.delete(o.key));
    const record: MergeRecord = {
      run_id: runId,
      scored: scored.map(({ key, size }) => ({ key, size })),
      curated: written.map(({ key, size }) => ({ key, size })),
      others: merged.existing.others,
      rows_scored: merged.rowsScored,
      rows_curated: merged.rowsCurated,
      days: sortPartitions(merged.days),
      partitions: sortPartitions(written.map((w) => w.partition)),
    };
    await writeMergeRecord(store, record);
    return record;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The chunks of the run's shards that have a _SUCCESS checkpoint. */
async function successfulScoreChunks(store: ObjectStore, runId: string): Promise<ObjectInfo[]> {
  const parts: { shard: string; object: ObjectInfo }[] = [];
  const succeeded = new Set<string>();
  for await (const object of store.list(`${runPrefix(runId)}scores/`)) {
    const part = SCORED_PART.exec(object.key);
    if (part) parts.push({ shard: part[1]!, object });
    const success = SCORED_SUCCESS.exec(object.key);
    if (success) succeeded.add(success[1]!);
  }
  return parts.filter((p) => succeeded.has(p.shard)).map((p) => p.object);
}

/** Copies the objects into dir; returns the local paths in the same order. */
async function fetchAll(store: ObjectStore, keys: string[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = keys.map((_, i) => path.join(dir, `${i}.parquet`));
  await forEachConcurrently(keys, TRANSFER_CONCURRENCY, async (key, i) =>
    pipeline(await store.getStream(key), createWriteStream(files[i]!)),
  );
  return files;
}

/**
 * The run's scored rows in the scored contract's columns and types, with where each row is
 * (file, row) to tell apart rows sharing an id, and its UTC publication date.
 */
function scoredRows(files: string[]): string {
  const columns = Object.entries(SCORED_HEADLINE_DUCKDB_COLUMNS)
    .map(([name, type]) => `CAST(${name} AS ${type}) AS ${name}`)
    .join(", ");
  const source = `read_parquet([${files.map(sqlString).join(", ")}], union_by_name = true, filename = true, file_row_number = true)`;
  return `SELECT ${columns}, filename, file_row_number, ${UTC_DATE} AS utc_date FROM ${source}`;
}

/** How many rows the run scored, and on which UTC days how many; fails when a row breaks the scored contract. */
async function inspect(db: DuckDBConnection, runId: string): Promise<{ rows: number; days: (Partition & { rows: number })[] }> {
  const days = (
    await db.runAndReadAll(
      "SELECT year(utc_date)::INTEGER AS year, month(utc_date)::INTEGER AS month, day(utc_date)::INTEGER AS day, " +
        "count(*)::BIGINT AS rows, count(*) FILTER (WHERE id IS NULL)::BIGINT AS unkeyed FROM scored GROUP BY utc_date",
    )
  ).getRowObjectsJS();
  const unkeyed = days.reduce((sum, day) => sum + Number(day.year === null ? day.rows : day.unkeyed), 0);
  if (unkeyed > 0) {
    throw new Error(`run ${runId}: ${unkeyed} scored rows have no id or no published_at; the scores do not follow the scored contract`);
  }
  const counted = days.map((day) => ({ year: Number(day.year), month: Number(day.month), day: Number(day.day), rows: Number(day.rows) }));
  return { rows: counted.reduce((sum, day) => sum + day.rows, 0), days: counted };
}

/**
 * Writes the curated rows to outDir, partitioned by UTC day: one row per headline id not already
 * curated by another run, the run's first by shard and origin. Only the ids that occur more than
 * once are ranked, so the common case is a scan, not a window over every row. Returns how many
 * rows it wrote.
 */
async function writeFirstOfEachHeadline(
  db: DuckDBConnection,
  earlierFiles: string[],
  largeDays: Partition[],
  outDir: string,
): Promise<number> {
  await db.run(
    `CREATE TEMP TABLE later_copies AS
       SELECT filename, file_row_number FROM scored
       WHERE id IN (SELECT id FROM scored GROUP BY id HAVING count(*) > 1)
       QUALIFY row_number() OVER (PARTITION BY id ORDER BY shard_id, origin.file, origin.line, scored_at, filename, file_row_number) > 1`,
  );
  const curatedBefore =
    earlierFiles.length === 0
      ? ""
      : `ANTI JOIN (SELECT DISTINCT id FROM read_parquet([${earlierFiles.map(sqlString).join(", ")}], union_by_name = true)) USING (id)`;
  // Rows in no particular order: DuckDB streams them to each day's file instead of holding them all to sort.
  await db.run("SET preserve_insertion_order = false");
  const [written] = (
    await db.runAndReadAll(
      `COPY (
         SELECT ${Object.keys(SCORED_HEADLINE_DUCKDB_COLUMNS).join(", ")},
                year(utc_date) AS year, month(utc_date) AS month, day(utc_date) AS day
         FROM scored ANTI JOIN later_copies USING (filename, file_row_number) ${curatedBefore}
       ) TO ${sqlString(outDir)} (
         FORMAT parquet, COMPRESSION zstd, PARTITION_BY (year, month, day),
         ROW_GROUP_SIZE ${CURATED_ROW_GROUP_ROWS},
         FILENAME_PATTERN 'part-{i}'
       )`,
    )
  ).getRows();
  await sortByTime(db, largeDays, outDir);
  return Number(written![0]);
}

/**
 * Sorts by publication time the files of the days of more than one row group, so Athena can skip
 * a large day's row groups by time. A single row group's statistics are the same in any order, so
 * the common day (up to CURATED_ROW_GROUP_ROWS headlines) is not sorted at all.
 */
async function sortByTime(db: DuckDBConnection, days: Partition[], outDir: string): Promise<void> {
  if (days.length === 0) return;
  await db.run("SET preserve_insertion_order = true");
  const wanted = new Set(days.map((day) => `year=${day.year}/month=${day.month}/day=${day.day}/`));
  for (const relative of await parquetFilesUnder(outDir)) {
    if (!wanted.has(relative.slice(0, relative.lastIndexOf("/") + 1))) continue;
    const file = path.join(outDir, relative);
    const sorted = `${file}.sorted`;
    await db.run(
      `COPY (SELECT * FROM read_parquet(${sqlString(file)}) ORDER BY published_at, id) TO ${sqlString(sorted)} ` +
        `(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${CURATED_ROW_GROUP_ROWS})`,
    );
    await rename(sorted, file);
  }
}

/** The Parquet files DuckDB wrote under dir, as paths relative to it with / separators. */
async function parquetFilesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[]))
    .map((relative) => relative.split(path.sep).join("/"))
    .filter((relative) => relative.endsWith(".parquet"));
}

/** Stores DuckDB's partitioned output under the run's curated keys; returns what it stored. */
async function uploadCurated(store: ObjectStore, outDir: string, runId: string) {
  const files = (await parquetFilesUnder(outDir)).map((relative) => {
    const match = MERGED_FILE.exec(relative);
    if (!match) throw new Error(`unexpected file in the merge output: ${relative}`);
    const [, year, month, day, part] = match.map(Number);
    return { relative, partition: { year: year!, month: month!, day: day! }, part: part! };
  });
  const byPartition = new Map<string, typeof files>();
  for (const file of files.sort((a, b) => a.part - b.part)) {
    const prefix = curatedPartitionPrefix(file.partition);
    byPartition.set(prefix, [...(byPartition.get(prefix) ?? []), file]);
  }
  const uploads = [...byPartition.values()].flatMap((inPartition) =>
    inPartition.map((file, k) => ({ ...file, key: curatedKey(file.partition, runId, k) })),
  );
  const stored: { key: string; size: number; partition: Partition }[] = [];
  await forEachConcurrently(uploads, TRANSFER_CONCURRENCY, async ({ key, relative, partition }) => {
    const file = path.join(outDir, relative);
    await store.put(key, createReadStream(file), { contentType: "application/vnd.apache.parquet" });
    stored.push({ key, size: (await stat(file)).size, partition });
  });
  return stored;
}
