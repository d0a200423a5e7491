import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withDuckDB } from "../../../../../functions/core/lake/duckdb.ts";
import { sqlString } from "../../../../../functions/core/lake/sql-literal.ts";
import { CURATED_PREFIX, curatedKey, scoresPrefix } from "../../../../../functions/core/lake-keys.ts";
import { CURATED_ROW_GROUP_ROWS, mergeRun } from "../../../../../functions/core/lake/merge.ts";
import type { ObjectStore } from "../../../../../functions/core/ports.ts";
import { queryLake } from "../../../../../local/query/lake-catalog.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";
import { putScoredShard, scoredHeadline, writeScoredParquet } from "../../../../support/scored-fixtures.ts";
import { repositoryTableDefinition } from "../../../../../local/query/table-definition.ts";

const table = repositoryTableDefinition();

let lake: string;
let store: ObjectStore;

beforeEach(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-merge-test-"));
  store = new DirectoryObjectStore(lake);
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

async function curatedKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of store.list(CURATED_PREFIX)) keys.push(key);
  return keys;
}

async function curatedRows() {
  return (await queryLake(lake, "SELECT id, run_id, year, month, day FROM headline_sentiment ORDER BY id")).rows;
}

async function curatedBytes(): Promise<Record<string, string>> {
  const keys = await curatedKeys();
  return Object.fromEntries(await Promise.all(keys.map(async (key) => [key, (await readFile(path.join(lake, key))).toString("base64")])));
}

describe("mergeRun", () => {
  it("writes one zstd Parquet file per UTC day, named after the run, and says which partitions to register", async () => {
    await putScoredShard(store, "run-a", 0, [
      [
        scoredHeadline({ id: "h1", published_at: "2024-03-01T09:00:00.000Z" }),
        scoredHeadline({ id: "h2", published_at: "2024-03-01T23:59:59.999Z" }),
      ],
      [scoredHeadline({ id: "h3", published_at: "2024-03-02T00:00:00.000Z" })],
    ]);
    await putScoredShard(store, "run-a", 1, [
      [scoredHeadline({ id: "h4", published_at: "2024-03-02T12:00:00.000Z", shard_id: "shard-1" })],
    ]);

    const result = await mergeRun("run-a", { store, table, bucket: "lake-bucket" });

    expect(result).toMatchObject({ run_id: "run-a", rows_scored: 4, rows_curated: 4, duplicates: 0 });
    expect(result.partitions).toEqual([
      { year: 2024, month: 3, day: 1 },
      { year: 2024, month: 3, day: 2 },
    ]);
    expect(result.refresh_statements).toEqual(["runs/run-a/refresh/0.sql"]);
    expect((await store.get("runs/run-a/refresh/0.sql"))?.toString()).toBe(
      "ALTER TABLE goldpipe.headline_sentiment ADD IF NOT EXISTS\n" +
        "  PARTITION (year = 2024, month = 3, day = 1) " +
        "LOCATION 's3://lake-bucket/curated/headline_sentiment/year=2024/month=03/day=01/'\n" +
        "  PARTITION (year = 2024, month = 3, day = 2) LOCATION 's3://lake-bucket/curated/headline_sentiment/year=2024/month=03/day=02/'",
    );
    expect(await curatedKeys()).toEqual([
      curatedKey({ year: 2024, month: 3, day: 1 }, "run-a", 0),
      curatedKey({ year: 2024, month: 3, day: 2 }, "run-a", 0),
    ]);
    const layout = await withDuckDB(async (db) =>
      (
        await db.runAndReadAll(
          "SELECT DISTINCT compression, path_in_schema FROM parquet_metadata(" +
            `${sqlString(path.join(lake, CURATED_PREFIX, "year=2024/month=03/day=01/run-a-0.parquet"))}) ORDER BY ALL`,
        )
      ).getRowObjectsJS(),
    );
    expect(new Set(layout.map((c) => c.compression))).toEqual(new Set(["ZSTD"]));
    expect(layout.map((c) => c.path_in_schema)).not.toContain("year");
  });

  it("sorts by publication time a day of more than one row group, so its row groups hold separate hours", async () => {
    const rows = CURATED_ROW_GROUP_ROWS + 1000;
    const chunk = path.join(lake, scoresPrefix("run-big", 0), "part-0.parquet");
    await putScoredShard(store, "run-big", 0, [[scoredHeadline({ id: "small-day", published_at: "2024-03-02T09:00:00Z" })]]);
    await withDuckDB((db) =>
      db.run(
        `COPY (SELECT 'h' || i AS id, 'Gold moves' AS headline,
                      TIMESTAMPTZ '2024-03-01 23:59:59+00' - to_microseconds(i * 200000) AS published_at,
                      ['XAUUSD'] AS symbols, 'wire' AS source, NULL::VARCHAR AS url, {'file': 'f.csv', 'line': i} AS origin,
                      'neutral' AS label, 0.5 AS score, MAP {'neutral': 0.5} AS probs, 'weak' AS intensity, 'm' AS model,
                      'run-big' AS run_id, 'shard-0' AS shard_id, TIMESTAMPTZ '2024-03-02 00:00:00+00' AS scored_at
               FROM range(${rows}) t(i)) TO ${sqlString(chunk)} (FORMAT parquet)`,
      ),
    );
    expect(await mergeRun("run-big", { store, table })).toMatchObject({ rows_scored: rows + 1, rows_curated: rows + 1 });
    const groups = await withDuckDB(async (db) =>
      (
        await db.runAndReadAll(
          `SELECT row_group_id, stats_min, stats_max FROM parquet_metadata(${sqlString(
            path.join(lake, curatedKey({ year: 2024, month: 3, day: 1 }, "run-big", 0)),
          )}) WHERE path_in_schema = 'published_at' ORDER BY row_group_id`,
        )
      ).getRowObjectsJS(),
    );
    expect(groups).toHaveLength(2);
    expect(String(groups[0]!.stats_max) < String(groups[1]!.stats_min)).toBe(true);
  }, 60_000);

  it("keeps every column of the scored contract, values intact", async () => {
    const row = scoredHeadline({
      id: "h1",
      symbols: ["GLD", "IAU"],
      probs: { positive: 0.1, neutral: 0.2, negative: 0.7 },
      label: "negative",
      score: 0.7,
      intensity: "moderate",
      origin: { file: "incoming/a.csv", line: 17 },
    });
    await putScoredShard(store, "run-a", 0, [[row]]);
    await mergeRun("run-a", { store, table });
    const [curated] = (await queryLake(lake, "SELECT * EXCLUDE (year, month, day) FROM headline_sentiment")).rows;
    expect(curated).toEqual({
      ...row,
      published_at: "2024-03-01 14:30:00",
      scored_at: "2024-03-02 00:00:00",
    });
  });

  it("partitions by the UTC date, whatever zone the headline was published in", async () => {
    const published = {
      "last-ms-of-day": "2024-03-01T23:59:59.999Z",
      "first-ms-of-day": "2024-03-02T00:00:00.000Z",
      "new-york-evening": "2024-03-01T20:30:00-05:00", // 01:30 UTC on the 2nd
      "tokyo-morning": "2024-03-02T08:30:00+09:00", // 23:30 UTC on the 1st
      "new-year-utc": "2024-12-31T23:59:59Z",
      "new-year-sydney": "2025-01-01T09:00:00+11:00", // 22:00 UTC on Dec 31
      "leap-day": "2024-02-29T12:00:00Z",
      "before-the-epoch": "1969-12-31T23:59:59.999Z",
    };
    await putScoredShard(store, "run-tz", 0, [Object.entries(published).map(([id, at]) => scoredHeadline({ id, published_at: at }))]);
    const result = await mergeRun("run-tz", { store, table });
    const days = Object.fromEntries((await curatedRows()).map((r) => [r.id, `${r.year}-${r.month}-${r.day}`]));
    expect(days).toEqual({
      "last-ms-of-day": "2024-3-1",
      "first-ms-of-day": "2024-3-2",
      "new-york-evening": "2024-3-2",
      "tokyo-morning": "2024-3-1",
      "new-year-utc": "2024-12-31",
      "new-year-sydney": "2024-12-31",
      "leap-day": "2024-2-29",
      "before-the-epoch": "1969-12-31",
    });
    expect(result.partitions).toEqual([
      { year: 1969, month: 12, day: 31 },
      { year: 2024, month: 2, day: 29 },
      { year: 2024, month: 3, day: 1 },
      { year: 2024, month: 3, day: 2 },
      { year: 2024, month: 12, day: 31 },
    ]);
    expect(await curatedKeys()).toContain("curated/headline_sentiment/year=2024/month=02/day=29/run-tz-0.parquet");
  });

  it("keeps one row per headline id within a run and counts the others as duplicates", async () => {
    await putScoredShard(store, "run-a", 0, [
      [scoredHeadline({ id: "h1", origin: { file: "incoming/a.csv", line: 2 } }), scoredHeadline({ id: "h2" })],
    ]);
    await putScoredShard(store, "run-a", 1, [
      [scoredHeadline({ id: "h1", shard_id: "shard-1", origin: { file: "incoming/b.csv", line: 9 } })],
    ]);
    const result = await mergeRun("run-a", { store, table });
    expect(result).toMatchObject({ rows_scored: 3, rows_curated: 2, duplicates: 1 });
    const [first] = (await queryLake(lake, "SELECT origin FROM headline_sentiment WHERE id = 'h1'")).rows;
    expect(first).toEqual({ origin: { file: "incoming/a.csv", line: 2 } });
  });

  it("merging the same run again leaves the table unchanged", async () => {
    await putScoredShard(store, "run-a", 0, [
      [scoredHeadline({ id: "h1" }), scoredHeadline({ id: "h2", published_at: "2024-03-05T10:00:00Z" }), scoredHeadline({ id: "h1" })],
    ]);
    const first = await mergeRun("run-a", { store, table });
    const before = await curatedBytes();
    const second = await mergeRun("run-a", { store, table });
    expect({ ...second, seconds: 0 }).toEqual({ ...first, seconds: 0 });
    expect(await curatedBytes()).toEqual(before);
    expect((await curatedRows()).map((r) => r.id)).toEqual(["h1", "h2"]);
  });

  it("a headline in two runs is curated once: by the run merged first, the later one counts a duplicate", async () => {
    await putScoredShard(store, "run-a", 0, [
      [scoredHeadline({ id: "same", run_id: "run-a" }), scoredHeadline({ id: "only-a", run_id: "run-a" })],
    ]);
    await putScoredShard(store, "run-b", 0, [
      [scoredHeadline({ id: "same", run_id: "run-b" }), scoredHeadline({ id: "only-b", run_id: "run-b" })],
    ]);

    expect(await mergeRun("run-a", { store, table })).toMatchObject({ rows_scored: 2, rows_curated: 2, duplicates: 0 });
    expect(await mergeRun("run-b", { store, table })).toMatchObject({ rows_scored: 2, rows_curated: 1, duplicates: 1 });
    const expected = [
      { id: "only-a", run_id: "run-a" },
      { id: "only-b", run_id: "run-b" },
      { id: "same", run_id: "run-a" },
    ];
    expect((await curatedRows()).map(({ id, run_id }) => ({ id, run_id }))).toEqual(expected);

    // Re-merging either run (a replay) keeps the headline where it is.
    expect(await mergeRun("run-a", { store, table })).toMatchObject({ rows_curated: 2, duplicates: 0 });
    expect(await mergeRun("run-b", { store, table })).toMatchObject({ rows_curated: 1, duplicates: 1 });
    expect((await curatedRows()).map(({ id, run_id }) => ({ id, run_id }))).toEqual(expected);
  });

  it("deletes the run's files left from an earlier merge that this merge does not write, and no other run's", async () => {
    await putScoredShard(store, "run-a", 0, [[scoredHeadline({ id: "h1" })]]);
    const stale = curatedKey({ year: 2024, month: 3, day: 1 }, "run-a", 1);
    const otherRun = curatedKey({ year: 2024, month: 3, day: 1 }, "run-a2", 0);
    const file = path.join(lake, "fixture.parquet");
    await writeScoredParquet(file, [scoredHeadline({ id: "old", run_id: "run-a" })]);
    await store.put(stale, await readFile(file));
    await writeScoredParquet(file, [scoredHeadline({ id: "other", run_id: "run-a2" })]);
    await store.put(otherRun, await readFile(file));
    await rm(file);

    await mergeRun("run-a", { store, table });

    expect(await curatedKeys()).toEqual([curatedKey({ year: 2024, month: 3, day: 1 }, "run-a", 0), otherRun]);
    expect((await curatedRows()).map((r) => r.id)).toEqual(["h1", "other"]);
  });

  it("merges only shards with a success checkpoint; a failed shard's partial chunks wait for its replay", async () => {
    await putScoredShard(store, "run-a", 0, [[scoredHeadline({ id: "done" })]]);
    await putScoredShard(store, "run-a", 1, [[scoredHeadline({ id: "partial", shard_id: "shard-1" })]], { succeeded: false });
    expect(await mergeRun("run-a", { store, table })).toMatchObject({ rows_scored: 1, rows_curated: 1 });
    expect((await curatedRows()).map((r) => r.id)).toEqual(["done"]);
  });

  it("refuses scores without an id or a publication time, saying how many, and writes nothing", async () => {
    await putScoredShard(store, "run-a", 0, [
      [
        scoredHeadline({ id: "h1" }),
        scoredHeadline({ id: null as unknown as string }),
        scoredHeadline({ id: null as unknown as string, published_at: null as unknown as string }),
        scoredHeadline({ id: "h4", published_at: null as unknown as string }),
      ],
    ]);
    await expect(mergeRun("run-a", { store, table })).rejects.toThrow(
      "run run-a: 3 scored rows have no id or no published_at; the scores do not follow the scored contract",
    );
    expect(await curatedKeys()).toEqual([]);
  });

  it("returns nothing to register for a run with no scored shard", async () => {
    const result = await mergeRun("run-empty", { store, table, bucket: "lake-bucket" });
    expect(result).toMatchObject({ rows_scored: 0, rows_curated: 0, duplicates: 0, partitions: [], refresh_statements: [] });
    expect(await curatedKeys()).toEqual([]);
  });

  it("uses the stage's database and lake-relative locations when given no bucket", async () => {
    await putScoredShard(store, "run-a", 0, [[scoredHeadline({ id: "h1" })]]);
    const { refresh_statements } = await mergeRun("run-a", { store, table, database: "goldpipe_dev" });
    expect((await store.get(refresh_statements[0]!))?.toString()).toBe(
      "ALTER TABLE goldpipe_dev.headline_sentiment ADD IF NOT EXISTS\n" +
        "  PARTITION (year = 2024, month = 3, day = 1) LOCATION 'curated/headline_sentiment/year=2024/month=03/day=01/'",
    );
  });
});

/** The store, with the writes and reads of objects it was asked for. */
function watched(inner: ObjectStore) {
  const calls: string[] = [];
  const store: ObjectStore = {
    createIfAbsent: (key, body, options) => inner.createIfAbsent(key, body, options),
    get: (key) => inner.get(key),
    getStream: (key) => {
      calls.push(`read ${key}`);
      return inner.getStream(key);
    },
    put: (key, body, options) => {
      calls.push(`put ${key}`);
      return inner.put(key, body, options);
    },
    head: (key) => inner.head(key),
    list: (prefix) => inner.list(prefix),
    delete: (key) => {
      calls.push(`delete ${key}`);
      return inner.delete(key);
    },
  };
  return { store, calls };
}

describe("mergeRun again", () => {
  beforeEach(async () => {
    await putScoredShard(store, "run-a", 0, [
      [scoredHeadline({ id: "h1" }), scoredHeadline({ id: "h2", published_at: "2024-03-05T10:00:00Z" }), scoredHeadline({ id: "h1" })],
    ]);
    await putScoredShard(store, "run-a", 1, [[scoredHeadline({ id: "h3", shard_id: "shard-1" })]]);
  });

  it("reads no chunk and writes no curated file when nothing it reads has changed since its last merge", async () => {
    const first = await mergeRun("run-a", { store, table, bucket: "lake-bucket" });
    const before = await curatedBytes();
    const again = watched(store);
    const second = await mergeRun("run-a", { store: again.store, table, bucket: "lake-bucket" });
    // only its result's refresh statements, a few hundred bytes, are written again
    expect(again.calls).toEqual(second.refresh_statements.map((key) => `put ${key}`));
    expect({ ...second, seconds: 0 }).toEqual({ ...first, seconds: 0 });
    expect(await curatedBytes()).toEqual(before);
  });

  it("merges what a replay added: a shard that succeeded since", async () => {
    await putScoredShard(store, "run-a", 2, [[scoredHeadline({ id: "late", shard_id: "shard-2" })]], { succeeded: false });
    expect(await mergeRun("run-a", { store, table })).toMatchObject({ rows_scored: 4, rows_curated: 3, duplicates: 1 });
    await putScoredShard(store, "run-a", 2, [[scoredHeadline({ id: "late", shard_id: "shard-2" })]]);
    expect(await mergeRun("run-a", { store, table })).toMatchObject({ rows_scored: 5, rows_curated: 4, duplicates: 1 });
    expect((await curatedRows()).map((r) => r.id)).toEqual(["h1", "h2", "h3", "late"]);
  });

  it("merges in full when another run has written to its days since, and keeps the headlines it owns", async () => {
    await mergeRun("run-a", { store, table });
    await putScoredShard(store, "run-b", 0, [
      [scoredHeadline({ id: "h3", run_id: "run-b" }), scoredHeadline({ id: "b", run_id: "run-b" })],
    ]);
    expect(await mergeRun("run-b", { store, table })).toMatchObject({ rows_curated: 1, duplicates: 1 });
    const again = watched(store);
    expect(await mergeRun("run-a", { store: again.store, table })).toMatchObject({ rows_scored: 4, rows_curated: 3, duplicates: 1 });
    expect(again.calls.some((call) => call.startsWith("read runs/run-a/scores/"))).toBe(true);
    expect((await curatedRows()).map(({ id, run_id }) => `${id} ${run_id}`)).toEqual(["b run-b", "h1 run-a", "h2 run-a", "h3 run-a"]);
  });

  it("takes back a headline whose other copy has gone, on a day where it had kept nothing", async () => {
    await putScoredShard(store, "run-b", 0, [[scoredHeadline({ id: "h2", run_id: "run-b", published_at: "2024-03-05T10:00:00Z" })]]);
    await mergeRun("run-b", { store, table });
    await mergeRun("run-a", { store, table });
    expect((await curatedRows()).map(({ id, run_id }) => `${id} ${run_id}`)).toEqual(["h1 run-a", "h2 run-b", "h3 run-a"]);
    await store.delete(curatedKey({ year: 2024, month: 3, day: 5 }, "run-b", 0));
    expect(await mergeRun("run-a", { store, table })).toMatchObject({ rows_curated: 3, duplicates: 1 });
    expect((await curatedRows()).map(({ id, run_id }) => `${id} ${run_id}`)).toEqual(["h1 run-a", "h2 run-a", "h3 run-a"]);
  });

  it("writes its files again when one of them has gone from the lake", async () => {
    const { partitions } = await mergeRun("run-a", { store, table });
    await store.delete(curatedKey(partitions[0]!, "run-a", 0));
    await mergeRun("run-a", { store, table });
    expect((await curatedRows()).map((r) => r.id)).toEqual(["h1", "h2", "h3"]);
  });
});
