import { describe, expect, it } from "vitest";
import { parsePublishedAt } from "../../../../functions/core/ingest/dates.ts";
import { generateHeadlines } from "../../../../local/generator/headlines.ts";

const NOW = Date.parse("2026-01-01T00:00:00Z");

describe("generateHeadlines", () => {
  it("is deterministic by seed", () => {
    const a = [...generateHeadlines({ count: 300, seed: 5 })];
    expect([...generateHeadlines({ count: 300, seed: 5 })]).toEqual(a);
    expect([...generateHeadlines({ count: 300, seed: 6 })]).not.toEqual(a);
    expect(a).toHaveLength(300);
  });

  it("writes gold-market headlines on trading days, in several time zones, in time order", () => {
    const rows = [...generateHeadlines({ count: 5000, seed: 1 })];
    const symbols = new Set(rows.flatMap((r) => r.symbols));
    for (const symbol of ["XAUUSD", "GLD", "IAU", "GDX", "NEM", "DXY", "TIP"]) expect(symbols).toContain(symbol);
    expect(new Set(rows.map((r) => r.source)).size).toBeGreaterThan(5);
    expect(new Set(rows.map((r) => r.published_at.slice(19)))).toEqual(new Set(["+08:00", "+00:00", "-05:00", "Z"]));
    const days = new Set(rows.map((r) => r.published_at.slice(0, 10)));
    expect(days.size).toBeGreaterThan(100);
    for (const day of days) expect([0, 6]).not.toContain(new Date(`${day}T00:00:00Z`).getUTCDay());
    for (const row of rows) expect(typeof parsePublishedAt(row.published_at, NOW)).toBe("string");
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    const prices = rows
      .map((r) => /\$([\d,]+\.\d\d)/.exec(r.headline)?.[1])
      .filter(Boolean)
      .map((p) => Number(p!.replaceAll(",", "")));
    expect(Math.min(...prices)).toBeGreaterThan(1000);
    expect(Math.max(...prices)).toBeLessThan(4000);
  });

  it("breaks exactly the rows asked for", () => {
    const rows = [...generateHeadlines({ count: 1000, seed: 2, badRows: 10 })];
    const broken = rows.filter((r) => r.headline === "" || typeof parsePublishedAt(r.published_at, NOW) !== "string");
    expect(broken).toHaveLength(10);
  });
});
