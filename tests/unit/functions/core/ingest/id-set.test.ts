import { describe, expect, it } from "vitest";
import { IdSet } from "../../../../../functions/core/ingest/id-set.ts";

describe("IdSet", () => {
  it("remembers the first line of each id across growth", () => {
    const ids = new IdSet();
    let seenBefore = 0;
    for (let n = 0; n < 300_000; n++) if (ids.firstLine(`reuters-${n}`, n + 2) !== undefined) seenBefore++;
    expect(seenBefore).toBe(0);
    expect(ids.size).toBe(300_000);
    const lines: (number | undefined)[] = [];
    for (let n = 0; n < 300_000; n += 997) lines.push(ids.firstLine(`reuters-${n}`, 999_999));
    expect(lines).toEqual(Array.from({ length: lines.length }, (_, i) => i * 997 + 2));
    expect(ids.firstLine("reuters-300000", 5)).toBeUndefined();
    expect(ids.size).toBe(300_001);
  });

  it("tells apart ids that differ in one character, case, or length", () => {
    const ids = new IdSet();
    for (const [i, id] of ["a", "b", "A", "ab", "ba", "", " a", "h-00", "h-01", "é", "e\u0301"].entries()) {
      expect(ids.firstLine(id, i + 1)).toBeUndefined();
    }
    expect(ids.firstLine("ab", 99)).toBe(4);
  });
});
