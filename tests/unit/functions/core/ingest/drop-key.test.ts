import { describe, expect, it } from "vitest";
import { newDropKey } from "../../../../../functions/core/ingest/drop-key.ts";
import { quarantineRowsKey } from "../../../../../functions/core/lake-keys.ts";

describe("newDropKey", () => {
  it("gives every dropped file a key of its own under incoming/, sorting by when it was dropped", () => {
    const at = new Date("2026-01-13T15:00:00.250Z");
    const keys = Array.from({ length: 50 }, () => newDropKey("feed.csv", at));
    expect(new Set(keys).size).toBe(50);
    expect(keys[0]).toMatch(/^incoming\/20260113T150000Z-[0-9a-f]{8}\/feed\.csv$/);
    expect(newDropKey("feed.csv", new Date("2026-01-13T15:00:01Z")) > keys[0]!).toBe(true);
  });

  it("so two files of one name keep their own quarantine", () => {
    expect(quarantineRowsKey(newDropKey("feed.csv"))).not.toBe(quarantineRowsKey(newDropKey("feed.csv")));
  });
});
