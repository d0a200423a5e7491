import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { mapConcurrently } from "../concurrency.ts";
import { SCORED_HEADLINE_DUCKDB_COLUMNS } from "../headline.ts";
import { REALTIME_LANDED_PREFIX, scoresPrefix, successKey } from "../lake-keys.ts";
import { withDuckDB } from "../lake/duckdb.ts";
import { mergeRun, type MergeOptions, type MergeResult } from "../lake/merge.ts";
import { sqlString } from "../lake/sql-literal.ts";
import type { PartitionCatalog } from "../ports.ts";

/** Objects fetched or removed at once. */
const TRANSFER_CONCURRENCY = 16;

/** Landed objects taken by one real-time merge: about a minute of 100 requests/s, one object each. */
export const MAX_LANDED_PER_MERGE = 10_000;

export interface RealtimeMergeResult extends MergeResult {
  /** The landed objects merged (and then removed from realtime/landed/). */
  landed_objects: number;
}

/** A real-time run's id: it depends only on the landed objects it takes, so a merge repeated after a crash is the same run. */
export function realtimeRunId(landedKeys: readonly string[]): string {
  return `realtime-${createHash("sha256").update(landedKeys.join("\n")).digest("hex").slice(0, 16)}`;
}

/**
 * Moves what real-time scoring landed into the curated table, through the batch path's own merge: the
 * landed objects become a run's one scored shard (`runs/realtime-<hash>/scores/0/`, with `_SUCCESS`),
 * mergeRun curates it (a headline already curated by another run, batch or real-time, stays where it is
 * and counts as a duplicate), and only then are the landed objects removed. A crash before the removal
 * leaves them for the next merge, whose copies are then duplicates: each headline is curated once.
 * Resolves to undefined when nothing has landed.
 */
export async function mergeRealtime(options: MergeOptions, maxObjects = MAX_LANDED_PER_MERGE): Promise<RealtimeMergeResult | undefined> {
  const { store } = options;
  const keys: string[] = [];
  for await (const { key } of store.list(REALTIME_LANDED_PREFIX)) {
    if (!key.endsWith(".jsonl")) continue;
    keys.push(key);
    if (keys.length === maxObjects) break;
  }
  if (keys.length === 0) return undefined;
  const runId = realtimeRunId(keys);
  const tmp = await mkdtemp(path.join(os.tmpdir(), "goldpipe-realtime-"));
  try {
    const landed = await mapConcurrently(keys, TRANSFER_CONCURRENCY, async (key, i) => {
      const file = path.join(tmp, `${i}.jsonl`);
      await pipeline(await store.getStream(key), createWriteStream(file));
      return file;
    });
    const part = path.join(tmp, "part.parquet");
    await withDuckDB((db) =>
      db.run(
        `COPY (SELECT * FROM read_json([${landed.map(sqlString).join(", ")}], format = 'newline_delimited', ` +
          `columns = {${Object.entries(SCORED_HEADLINE_DUCKDB_COLUMNS)
            .map(([name, type]) => `${name}: ${sqlString(type)}`)
            .join(", ")}})) TO ${sqlString(part)} (FORMAT parquet, COMPRESSION zstd)`,
      ),
    );
    await store.put(`${scoresPrefix(runId, 0)}part-realtime.parquet`, createReadStream(part), {
      contentType: "application/vnd.apache.parquet",
    });
    await store.put(successKey(runId, 0), "");
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const merged = await mergeRun(runId, options);
  await mapConcurrently(keys, TRANSFER_CONCURRENCY, (key) => store.delete(key));
  return { ...merged, landed_objects: keys.length };
}

/** A real-time merge, then the new days registered in the catalog: what runs every minute beside `goldpipe serve` or the endpoint. */
export async function settleRealtime(
  ports: { catalog: PartitionCatalog } & MergeOptions,
  maxObjects?: number,
): Promise<RealtimeMergeResult | undefined> {
  const merged = await mergeRealtime(ports, maxObjects);
  for (const key of merged?.refresh_statements ?? []) {
    const statement = await ports.store.get(key);
    if (statement === undefined) throw new Error(`the merge's partition refresh statement ${key} is not in the lake`);
    await ports.catalog.refresh(statement.toString("utf8"));
  }
  return merged;
}
