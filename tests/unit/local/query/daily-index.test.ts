import { describe, expect, it } from "vitest";
import { dailyIndexRows } from "../../../../local/query/daily-index.ts";
import { namedQuery } from "../../../../local/query/named-queries.ts";

const row = {
  published_date: "2024-03-01",
  symbol: "XAU",
  headlines: 3,
  headlines_up: 2,
  headlines_constant: 0,
  headlines_down: 1,
  directionality: 0.3333,
  sentiment_index: 0.3333,
  confidence_weighted: 0.25,
};

describe("dailyIndexRows", () => {
  it("runs the daily-index named query with the range and instrument as its parameters", async () => {
    const calls: unknown[] = [];
    const rows = await dailyIndexRows(
      async (sql, params) => {
        calls.push({ sql, params });
        return { rows: [row] };
      },
      { from: "2024-03-01", to: null, instrument: "XAU" },
    );
    expect(rows).toEqual([row]);
    expect(calls).toEqual([{ sql: (await namedQuery("daily-index")).sql, params: ["2024-03-01", null, "XAU"] }]);
  });

  it("refuses rows that are not the query's shape", async () => {
    await expect(
      dailyIndexRows(async () => ({ rows: [{ ...row, headlines_up: "2" }] }), { from: null, to: null, instrument: "XAU" }),
    ).rejects.toThrow(/headlines_up/);
  });
});
