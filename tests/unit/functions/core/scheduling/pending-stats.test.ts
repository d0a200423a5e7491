import { mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pendingSegmentKey } from "../../../../../functions/core/lake-keys.ts";
import { pendingStats } from "../../../../../functions/core/scheduling/pending-stats.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";

let lake: string;
let store: DirectoryObjectStore;
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "goldpipe-pending-"));
  store = new DirectoryObjectStore(lake);
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

const lines = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ id: `h${i}` })).join("\n");

describe("pending stats", () => {
  it("says nothing is pending in an empty lake", async () => {
    expect(await pendingStats(store, 100)).toEqual({ rows: 0, rowsExact: true, segments: 0, oldestAt: undefined });
  });

  it("counts every segment's lines, a last line without its newline included, and finds the oldest", async () => {
    await store.put(pendingSegmentKey("a"), `${lines(3)}\n`);
    await store.put(pendingSegmentKey("b"), lines(2));
    await store.put("pending/notes.txt", "not a segment\n");
    await utimes(path.join(lake, pendingSegmentKey("b")), 1_700_000_000, 1_700_000_000);
    expect(await pendingStats(store, 100)).toEqual({ rows: 5, rowsExact: true, segments: 2, oldestAt: new Date(1_700_000_000_000) });
  });

  it("stops counting once the cap is reached and says the count is a lower bound", async () => {
    for (const id of ["a", "b", "c"]) await store.put(pendingSegmentKey(id), `${lines(10)}\n`);
    expect(await pendingStats(store, 15)).toMatchObject({ rows: 20, rowsExact: false, segments: 3 });
  });
});
