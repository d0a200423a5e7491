import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_RAW_CHARS, quarantineFile, RowQuarantine } from "../../../../../functions/core/ingest/quarantine.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";

let lake: string;
let store: DirectoryObjectStore;
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "quarantine-test-"));
  store = new DirectoryObjectStore(lake);
});
afterEach(() => rm(lake, { recursive: true, force: true }));

describe("RowQuarantine", () => {
  it("streams bad rows to quarantine/<file>/rows.jsonl and counts reasons", async () => {
    const quarantine = new RowQuarantine(store, "incoming/2024/a.csv");
    for (let line = 2; line < 20_002; line++) {
      await quarantine.add({
        line,
        field: "published_at",
        reason: line % 2 ? "impossible date" : "unrecognized date",
        detail: "d",
        raw: "r",
      });
    }
    await quarantine.add({ line: 20_002, field: null, reason: "row too long", detail: "d", raw: "x".repeat(MAX_RAW_CHARS + 5) });
    await quarantine.close();
    expect(quarantine.count).toBe(20_001);
    expect(quarantine.reasons).toEqual({ "impossible date": 10_000, "unrecognized date": 10_000, "row too long": 1 });
    const lines = (await readFile(path.join(lake, "quarantine/2024/a.csv/rows.jsonl"), "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(20_001);
    expect(JSON.parse(lines[0]!)).toEqual({
      file: "incoming/2024/a.csv",
      line: 2,
      field: "published_at",
      reason: "unrecognized date",
      detail: "d",
      raw: "r",
    });
    expect(JSON.parse(lines.at(-1)!).raw).toHaveLength(MAX_RAW_CHARS + 1);
  });

  it("writes nothing when no row was bad", async () => {
    const quarantine = new RowQuarantine(store, "incoming/a.csv");
    await quarantine.close();
    await expect(stat(path.join(lake, "quarantine"))).rejects.toThrow();
  });
});

describe("quarantineFile", () => {
  it("moves the file whole and writes the reason beside it", async () => {
    await store.put("incoming/bad.csv", Buffer.from([0, 1, 2]));
    await quarantineFile(store, "incoming/bad.csv", "not a text file", "export as CSV");
    expect(await store.head("incoming/bad.csv")).toBeUndefined();
    expect(await store.get("quarantine/bad.csv/bad.csv")).toEqual(Buffer.from([0, 1, 2]));
    expect(JSON.parse((await store.get("quarantine/bad.csv/reason.json"))!.toString())).toEqual({
      file: "incoming/bad.csv",
      reason: "not a text file",
      detail: "export as CSV",
    });
  });
});
