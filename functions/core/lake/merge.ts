import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { DuckDBConnection } from "@duckdb/node-api";
import { forEachConcurrently } from "../concurrency.ts";
import { withDuckDB } from "./duckdb.ts";
import { sqlString } from "./sql-literal.ts";
import { SCORED_HEADLINE_DUCKDB_COLUMNS } from "../headline.ts";
import { headlineSentimentTable, qualifiedName, refreshQuery, sortPartitions, type Partition } from "./lake-table.ts";
import { curatedKey, curatedPartitionPrefix, runPrefix } from "../lake-keys.ts";
import type { MergeResult } from "./merge-result.ts";
export type { MergeResult };
import type { ObjectStore } from "../ports.ts";

export interface MergeOptions {
  store: ObjectStore;
  /** The bucket behind the store, for the partitions' S3 locations; without it they are lake-relative keys. */
  bucket?: string;
  /** The Glue database holding the table in this stage; the table definition's by default. */
  database?: string;
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

/**
 * Merges a run's scored chunks into the curated table, idempotently.
 *
 * Only shards with a success checkpoint are merged: a failed shard's partial chunks wait for its
 * replay. Within the run, one row per id is kept (the first by shard and origin). Across runs, a
 * headline already curated by another run in the partitions this run touches stays where it is
 * and this run's copy is counted as a duplicate. The run's own earlier files are not "another
 * run": they are replaced, and files of the run left over from an earlier merge are deleted, so
 * merging the same run again leaves the table as it was.
 */
export async function mergeRun(runId: string, { store, bucket, database }: MergeOptions): Promise<MergeResult> {
  const started = performance.now();
  const tmp = await mkdtemp(path.join(os.tmpdir(), "goldpipe-merge-"));
  try {
    const scoredFiles = await fetchAll(store, await successfulScoreKeys(store, runId), path.join(tmp, "scores"));
    const merged = await withDuckDB(async (db) => {
      await db.run(`SET temp_directory = ${sqlString(path.join(tmp, "spill"))}`);
      const rowsScored = await loadScored(db, runId, scoredFiles);
      const touched = rowsScored === 0 ? [] : await partitionsOf(db, "scored");
      const existing = await curatedFilesIn(store, touched, runId);
      const earlierFiles = await fetchAll(store, existing.others, path.join(tmp, "earlier"));
      const outDir = path.join(tmp, "curated");
      const rowsCurated = await writeFirstOfEachHeadline(db, earlierFiles, outDir);
      return { rowsScored, rowsCurated, ownFiles: existing.own, outDir };
    });
    const written = await uploadCurated(store, merged.outDir, runId);
    const stale = merged.ownFiles.filter((key) => !written.keys.has(key));
    await forEachConcurrently(stale, TRANSFER_CONCURRENCY, (key) => store.delete(key));

    const partitions = sortPartitions(written.partitions);
    return {
      run_id: runId,
      rows_scored: merged.rowsScored,
      rows_curated: merged.rowsCurated,
      duplicates: merged.rowsScored - merged.rowsCurated,
      partitions,
      refresh_query: refreshQuery(qualifiedName(headlineSentimentTable(), database), partitions, bucket ? `s3://${bucket}/` : ""),
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The scored chunk keys of the run's shards that have a _SUCCESS checkpoint. */
async function successfulScoreKeys(store: ObjectStore, runId: string): Promise<string[]> {
  const parts: { shard: string; key: string }[] = [];
  const succeeded = new Set<string>();
  for await (const { key } of store.list(`${runPrefix(runId)}scores/`)) {
    const part = SCORED_PART.exec(key);
    if (part) parts.push({ shard: part[1]!, key });
    const success = SCORED_SUCCESS.exec(key);
    if (success) succeeded.add(success[1]!);
  }
  return parts.filter((p) => succeeded.has(p.shard)).map((p) => p.key);
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

/** Table `scored`: the run's rows in the scored contract's columns and types. Returns its row count. */
async function loadScored(db: DuckDBConnection, runId: string, files: string[]): Promise<number> {
  const columns = Object.entries(SCORED_HEADLINE_DUCKDB_COLUMNS);
  const source =
    files.length === 0
      ? `(SELECT ${columns.map(([name, type]) => `CAST(NULL AS ${type}) AS ${name}`).join(", ")} WHERE false)`
      : `read_parquet([${files.map(sqlString).join(", ")}], union_by_name = true)`;
  await db.run(
    `CREATE TABLE scored AS SELECT ${columns.map(([name, type]) => `CAST(${name} AS ${type}) AS ${name}`).join(", ")} FROM ${source}`,
  );
  const [row] = (
    await db.runAndReadAll(
      "SELECT count(*)::INTEGER AS rows, count(*) FILTER (WHERE id IS NULL OR published_at IS NULL)::INTEGER AS unkeyed FROM scored",
    )
  ).getRowObjectsJS();
  if (Number(row!.unkeyed) > 0) {
    throw new Error(
      `run ${runId}: ${row!.unkeyed} scored rows have no id or no published_at; the scores do not follow the scored contract`,
    );
  }
  return Number(row!.rows);
}

/** The UTC publication dates in a table with a published_at column. */
async function partitionsOf(db: DuckDBConnection, table: string): Promise<Partition[]> {
  const rows = (
    await db.runAndReadAll(
      `SELECT DISTINCT year(published_at)::INTEGER AS year, month(published_at)::INTEGER AS month, ` +
        `day(published_at)::INTEGER AS day FROM ${table}`,
    )
  ).getRowObjectsJS();
  return rows.map((r) => ({ year: Number(r.year), month: Number(r.month), day: Number(r.day) }));
}

/** The curated files in the partitions: the run's own (from an earlier merge) and every other run's. */
async function curatedFilesIn(store: ObjectStore, partitions: Partition[], runId: string) {
  const own: string[] = [];
  const others: string[] = [];
  const ownName = new RegExp(`/${runId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d+\\.parquet$`);
  for (const partition of partitions) {
    for await (const { key } of store.list(curatedPartitionPrefix(partition))) {
      if (!key.endsWith(".parquet")) continue;
      (ownName.test(key) ? own : others).push(key);
    }
  }
  return { own, others };
}

/**
 * Writes the curated rows to outDir, partitioned by UTC day: one row per headline id not already
 * curated by another run, the run's first by shard and origin. Returns how many rows it wrote.
 */
async function writeFirstOfEachHeadline(db: DuckDBConnection, earlierFiles: string[], outDir: string): Promise<number> {
  const notCuratedBefore =
    earlierFiles.length === 0
      ? ""
      : `WHERE id NOT IN (SELECT id FROM read_parquet([${earlierFiles.map(sqlString).join(", ")}], union_by_name = true))`;
  const [written] = (
    await db.runAndReadAll(
      `COPY (
         SELECT *, year(published_at) AS year, month(published_at) AS month, day(published_at) AS day
         FROM scored ${notCuratedBefore}
         QUALIFY row_number() OVER (PARTITION BY id ORDER BY shard_id, origin.file, origin.line, scored_at) = 1
         ORDER BY published_at, id
       ) TO ${sqlString(outDir)} (
         FORMAT parquet, COMPRESSION zstd, PARTITION_BY (year, month, day),
         ROW_GROUP_SIZE ${CURATED_ROW_GROUP_ROWS},
         FILENAME_PATTERN 'part-{i}'
       )`,
    )
  ).getRows();
  return Number(written![0]);
}

/** Stores DuckDB's partitioned output under the run's curated keys. */
async function uploadCurated(store: ObjectStore, outDir: string, runId: string) {
  const files = (await readdir(outDir, { recursive: true }).catch(() => [] as string[]))
    .map((relative) => relative.split(path.sep).join("/"))
    .filter((relative) => relative.endsWith(".parquet"))
    .map((relative) => {
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
  const uploads = new Map<string, { relative: string; partition: Partition }>();
  for (const inPartition of byPartition.values()) {
    for (const [k, file] of inPartition.entries()) uploads.set(curatedKey(file.partition, runId, k), file);
  }
  await forEachConcurrently([...uploads], TRANSFER_CONCURRENCY, ([key, { relative }]) =>
    store.put(key, createReadStream(path.join(outDir, relative)), { contentType: "application/vnd.apache.parquet" }),
  );
  return { keys: new Set(uploads.keys()), partitions: [...uploads.values()].map((u) => u.partition) };
}
