import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HeadlineSchema } from "../../../../../functions/core/headline.ts";
import { writePendingSegment } from "../../../../../functions/core/ingest/segment.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";

const SHA = "b".repeat(64);
const body = (seq: number, ids: string[]) =>
  JSON.stringify({
    file: "incoming/a.csv",
    sha256: SHA,
    seq,
    headlines: ids.map((id, i) => ({
      id,
      headline: `Gold ${id}`,
      published_at: "2024-03-01T14:30:00.000Z",
      symbols: [],
      source: null,
      url: null,
      origin: { file: "incoming/a.csv", line: i + 2 },
    })),
  });

let lake: string;
let store: DirectoryObjectStore;
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "segment-test-"));
  store = new DirectoryObjectStore(lake);
});
afterEach(() => rm(lake, { recursive: true, force: true }));

const segments = async () => (await readdir(path.join(lake, "pending")).catch(() => [])).sort();

describe("writePendingSegment", () => {
  it("writes one segment of headline lines for a batch", async () => {
    const result = await writePendingSegment(store, [
      { messageId: "x", body: body(1, ["c", "d"]) },
      { messageId: "y", body: body(0, ["a", "b"]) },
    ]);
    expect(result).toMatchObject({ rows: 4, failures: [] });
    expect(result.segmentKey).toMatch(/^pending\/[0-9a-f]{32}\.jsonl$/);
    const lines = (await readFile(path.join(lake, result.segmentKey!), "utf8"))
      .trimEnd()
      .split("\n")
      .map((l) => HeadlineSchema.parse(JSON.parse(l)));
    expect(lines.map((h) => h.id)).toEqual(["a", "b", "c", "d"]);
  });

  it("gives a redelivered batch the same segment, and a message twice in a batch once", async () => {
    const first = await writePendingSegment(store, [
      { messageId: "1", body: body(0, ["a"]) },
      { messageId: "2", body: body(1, ["b"]) },
    ]);
    const again = await writePendingSegment(store, [
      { messageId: "3", body: body(1, ["b"]) },
      { messageId: "4", body: body(0, ["a"]) },
      { messageId: "5", body: body(0, ["a"]) },
    ]);
    expect(again.segmentKey).toBe(first.segmentKey);
    expect(again.rows).toBe(2);
    expect(await segments()).toHaveLength(1);
  });

  it("reports the messages it cannot use and writes the rest", async () => {
    const result = await writePendingSegment(store, [
      { messageId: "bad-json", body: "{" },
      { messageId: "ok", body: body(0, ["a"]) },
      { messageId: "bad-shape", body: JSON.stringify({ file: "f", sha256: SHA, seq: 1, headlines: [{ id: "x" }] }) },
    ]);
    expect(result.rows).toBe(1);
    expect(result.failures.map((f) => f.messageId)).toEqual(["bad-json", "bad-shape"]);
    expect(result.failures[1]!.reason).toMatch(/headlines\.0\.headline/);
  });

  it("writes nothing when no message is usable", async () => {
    expect(await writePendingSegment(store, [{ messageId: "m", body: "[]" }])).toMatchObject({ segmentKey: null, rows: 0 });
    expect(await segments()).toEqual([]);
  });
});
