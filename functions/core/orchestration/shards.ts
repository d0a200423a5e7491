import { createWriteStream } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { forEachConcurrently } from "../concurrency.ts";
import { withDuckDB } from "../lake/duckdb.ts";
import { sqlString } from "../lake/sql-literal.ts";
import { HEADLINE_DUCKDB_COLUMNS } from "../headline.ts";
import { shardKey } from "../lake-keys.ts";
import type { ObjectStore } from "../ports.ts";
import { makeTemporaryFolder } from "../temporary-folder.ts";

export interface WrittenShards {
  /** Distinct headlines, in the shards. */
  rows: number;
  /** Headlines dropped because their id was already in the run. */
  duplicates: number;
  /** The target shard size used. */
  shardSize: number;
  /** Shards of at most the target size, their sizes differing by one at most. */
  shards: { index: number; key: string; rows: number }[];
  /** The dropped files the headlines came from (origin.file), sorted. */
  files: string[];
}

/** Segments fetched, and shards stored, at once. */
const TRANSFER_CONCURRENCY = 16;

const COLUMNS_SQL = `{${Object.entries(HEADLINE_DUCKDB_COLUMNS)
  .map(([name, type]) => `${name}: ${sqlString(type)}`)
  .join(", ")}}`;

/**
 * Reads the pending segments (JSON lines of headlines), keeps the first headline of each id
 * (by origin file and line, so the choice does not depend on delivery order), and writes the
 * rest as runs/<run_id>/shards/<n>.parquet: ceil(rows / shardSize) shards of nearly equal size
 * (shardSize may be decided from the number of rows, once they are counted),
 * cut from the headlines in id order. Objects go through the store and a temporary directory.
 */
export async function writeShards(
  store: ObjectStore,
  runId: string,
  segmentKeys: readonly string[],
  shardSize: number | ((rows: number) => number),
): Promise<WrittenShards> {
  const dir = await makeTemporaryFolder("seal");
  try {
    const segmentFiles = segmentKeys.map((_, i) => path.join(dir, `segment-${i}.jsonl`));
    await forEachConcurrently(segmentKeys, TRANSFER_CONCURRENCY, async (key, i) => {
      await pipeline(await store.getStream(key), createWriteStream(segmentFiles[i]!));
    });
    const written = await withDuckDB(async (db) => {
      const files = `[${segmentFiles.map(sqlString).join(", ")}]`;
      await db.run(`CREATE TABLE incoming AS SELECT * FROM read_json(${files}, format = 'newline_delimited', columns = ${COLUMNS_SQL})`);
      await db.run(`CREATE TABLE sealed AS SELECT DISTINCT ON (id) * FROM incoming ORDER BY id, origin.file, origin.line`);
      const [counts] = (
        await db.runAndReadAll(
          `SELECT (SELECT count(*) FROM incoming)::INTEGER AS incoming, (SELECT count(*) FROM sealed)::INTEGER AS sealed`,
        )
      ).getRowObjectsJson() as { incoming: number; sealed: number }[];
      const rows = counts?.sealed ?? 0;
      const size = typeof shardSize === "number" ? shardSize : shardSize(rows);
      if (!Number.isInteger(size) || size < 1) throw new Error(`shard size must be a positive whole number of headlines, not ${size}`);
      const shardCount = Math.ceil(rows / size);
      await db.run(
        `CREATE TABLE sharded AS SELECT *, ` +
          `((row_number() OVER (ORDER BY id) - 1) * ${shardCount} // ${Math.max(rows, 1)})::INTEGER AS shard FROM sealed`,
      );
      // One pass writes every shard: <dir>/parts/shard=<n>/data_0.parquet, without the shard column.
      await db.run(
        `COPY (SELECT * FROM sharded ORDER BY id) TO ${sqlString(path.join(dir, "parts"))} ` +
          `(FORMAT parquet, PARTITION_BY (shard), FILENAME_PATTERN 'data_{i}')`,
      );
      const sizes = (
        await db.runAndReadAll(`SELECT shard, count(*)::INTEGER AS rows FROM sharded GROUP BY shard ORDER BY shard`)
      ).getRowObjectsJson() as { shard: number; rows: number }[];
      const shards = sizes.map(({ shard, rows }) => ({ index: shard, key: shardKey(runId, shard), rows }));
      const origins = (await db.runAndReadAll(`SELECT DISTINCT origin.file AS file FROM sealed ORDER BY file`)).getRowObjectsJson() as {
        file: string;
      }[];
      return { rows, duplicates: (counts?.incoming ?? 0) - rows, shardSize: size, shards, files: origins.map((o) => o.file) };
    });
    await forEachConcurrently(written.shards, TRANSFER_CONCURRENCY, async (shard) => {
      await store.put(shard.key, await readFile(path.join(dir, "parts", `shard=${shard.index}`, "data_0.parquet")), {
        contentType: "application/vnd.apache.parquet",
      });
    });
    return written;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
