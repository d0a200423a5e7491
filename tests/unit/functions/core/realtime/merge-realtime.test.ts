import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REALTIME_LANDED_PREFIX } from "../../../../../functions/core/lake-keys.ts";
import { mergeRun } from "../../../../../functions/core/lake/merge.ts";
import { RealtimeLanding } from "../../../../../functions/core/realtime/landing.ts";
import { mergeRealtime, settleRealtime } from "../../../../../functions/core/realtime/merge-realtime.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";
import { queryLake } from "../../../../../local/query/lake-catalog.ts";
import { repositoryTableDefinition } from "../../../../../local/query/table-definition.ts";
import { putScoredShard, scoredHeadline } from "../../../../support/scored-fixtures.ts";

let lake: string;
let store: DirectoryObjectStore;
const table = repositoryTableDefinition();
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "goldpipe-rt-merge-"));
  store = new DirectoryObjectStore(lake);
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

const realtimeRow = (id: string, label = "positive") =>
  scoredHeadline({ id, label, run_id: "realtime", shard_id: "realtime", origin: { file: "goldpipe-serve", line: 1 } });

async function curated(): Promise<{ id: string; run_id: string; n: number }[]> {
  const { rows } = await queryLake(lake, "SELECT id, run_id, count(*)::INTEGER AS n FROM headline_sentiment GROUP BY ALL ORDER BY id");
  return rows as { id: string; run_id: string; n: number }[];
}

async function landedKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of store.list(REALTIME_LANDED_PREFIX)) keys.push(key);
  return keys;
}

describe("the real-time merge", () => {
  it("curates what was landed, then removes the landings; nothing landed is nothing to do", async () => {
    const landing = new RealtimeLanding(store);
    await landing.land([realtimeRow("a"), realtimeRow("b")]);
    await landing.land([realtimeRow("c", "negative")]);

    const merged = await mergeRealtime({ store, table });

    expect(merged).toMatchObject({ rows_scored: 3, rows_curated: 3, duplicates: 0, landed_objects: 2 });
    expect(merged!.run_id).toMatch(/^realtime-[0-9a-f]{16}$/);
    expect(await curated()).toEqual([
      { id: "a", run_id: "realtime", n: 1 },
      { id: "b", run_id: "realtime", n: 1 },
      { id: "c", run_id: "realtime", n: 1 },
    ]);
    expect(await landedKeys()).toEqual([]);
    expect(await mergeRealtime({ store, table })).toBeUndefined();
  });

  it("keeps each headline once when a crash left merged landings behind and they are merged again with new ones", async () => {
    const landing = new RealtimeLanding(store);
    await landing.land([realtimeRow("a"), realtimeRow("b")]);
    const kept = new Map<string, Buffer>();
    for (const key of await landedKeys()) kept.set(key, (await store.get(key))!);
    await mergeRealtime({ store, table });
    // The crash: the merge committed, but the landings were never removed.
    for (const [key, body] of kept) await store.put(key, body);
    await landing.land([realtimeRow("c")]);

    const again = await mergeRealtime({ store, table });

    expect(again).toMatchObject({ rows_scored: 3, rows_curated: 1, duplicates: 2, landed_objects: 2 });
    expect((await curated()).map((row) => [row.id, row.n])).toEqual([
      ["a", 1],
      ["b", 1],
      ["c", 1],
    ]);
  });

  it("is exactly once with the batch path: a headline curated in real time is a duplicate when a batch run brings it again", async () => {
    await new RealtimeLanding(store).land([realtimeRow("a")]);
    await mergeRealtime({ store, table });
    await putScoredShard(store, "run-batch", 0, [
      [scoredHeadline({ id: "a", run_id: "run-batch" }), scoredHeadline({ id: "z", run_id: "run-batch" })],
    ]);

    const batch = await mergeRun("run-batch", { store, table });

    expect(batch).toMatchObject({ rows_scored: 2, rows_curated: 1, duplicates: 1 });
    expect(await curated()).toEqual([
      { id: "a", run_id: "realtime", n: 1 },
      { id: "z", run_id: "run-batch", n: 1 },
    ]);
  });

  it("and the other way round: a headline a batch run curated first is a duplicate when it comes in real time", async () => {
    await putScoredShard(store, "run-batch", 0, [[scoredHeadline({ id: "a", run_id: "run-batch" })]]);
    await mergeRun("run-batch", { store, table });
    await new RealtimeLanding(store).land([realtimeRow("a"), realtimeRow("b")]);

    const refreshed: string[] = [];
    const merged = await settleRealtime({ store, table, catalog: { refresh: async (query) => void refreshed.push(query) } });

    expect(merged).toMatchObject({ rows_scored: 2, rows_curated: 1, duplicates: 1 });
    expect(merged!.refresh_statements).toHaveLength(1);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatch(
      /^ALTER TABLE goldpipe\.headline_sentiment ADD IF NOT EXISTS\s+PARTITION \(year = 2024, month = 3, day = 1\)/,
    );
    expect(await curated()).toEqual([
      { id: "a", run_id: "run-batch", n: 1 },
      { id: "b", run_id: "realtime", n: 1 },
    ]);
  });

  it("takes at most the given number of landings, oldest first, and leaves the rest for the next merge", async () => {
    const landing = new RealtimeLanding(store);
    for (const id of ["a", "b", "c"]) await landing.land([realtimeRow(id)]);

    expect(await mergeRealtime({ store, table }, 2)).toMatchObject({ rows_curated: 2, landed_objects: 2 });
    expect(await landedKeys()).toHaveLength(1);
    expect(await mergeRealtime({ store, table }, 2)).toMatchObject({ rows_curated: 1, landed_objects: 1 });
    expect((await curated()).map((row) => row.id)).toEqual(["a", "b", "c"]);
  });
});
