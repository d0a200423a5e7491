import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadInputError } from "../../../../functions/core/errors.ts";
import { queryLake } from "../../../../local/query/lake-catalog.ts";
import { namedQueries, namedQuery, parseNamedQuery } from "../../../../local/query/named-queries.ts";
import { namedQueryLake } from "../../../support/named-query-lake.ts";

let lake: string;
beforeAll(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-named-test-"));
  await namedQueryLake(lake);
});
afterAll(async () => {
  await rm(lake, { recursive: true, force: true });
});

const run = async (name: string, params: (string | null)[] = []) => (await queryLake(lake, (await namedQuery(name)).sql, params)).rows;

describe("named queries (sql/named/)", () => {
  it("are listed with a summary and their parameters", async () => {
    const all = await namedQueries();
    expect(all.map((q) => q.name)).toEqual(["daily-index", "label-distribution", "most-negative"]);
    expect(all.every((q) => q.summary.length > 20)).toBe(true);
    expect(all.find((q) => q.name === "most-negative")!.params).toEqual([
      { name: "date", description: "the UTC day, YYYY-MM-DD (default: the latest day in the lake)" },
    ]);
  });

  it("daily-index: net sentiment per UTC day and symbol, plain and confidence-weighted", async () => {
    expect(await run("daily-index")).toEqual([
      { published_date: "2024-03-01", symbol: "GLD", headlines: 2, sentiment_index: 0, confidence_weighted: -0.025 },
      { published_date: "2024-03-01", symbol: "XAUUSD", headlines: 2, sentiment_index: 0, confidence_weighted: 0.05 },
      { published_date: "2024-03-02", symbol: "XAUUSD", headlines: 2, sentiment_index: -0.5, confidence_weighted: -0.35 },
    ]);
  });

  it("most-negative: the day's negative headlines, most confident first; the latest day by default", async () => {
    expect((await run("most-negative", ["2024-03-01"])).map((r) => [r.headline, r.score])).toEqual([
      ["GLD outflows hit a record", 0.95],
      ["Gold slides after strong payrolls", 0.8],
    ]);
    expect((await run("most-negative", [null])).map((r) => r.headline)).toEqual(['Miners drop, "bullion" weak, again']);
    expect(await run("most-negative", ["2023-01-01"])).toEqual([]);
  });

  it("label-distribution: each label's share of its source's headlines", async () => {
    expect(await run("label-distribution")).toEqual([
      { source: "(none)", label: "negative", headlines: 1, share_pct: 100 },
      { source: "blog", label: "negative", headlines: 1, share_pct: 50 },
      { source: "blog", label: "neutral", headlines: 1, share_pct: 50 },
      { source: "wire", label: "negative", headlines: 1, share_pct: 50 },
      { source: "wire", label: "positive", headlines: 1, share_pct: 50 },
    ]);
  });

  it("an unknown name lists the ones there are", async () => {
    await expect(namedQuery("nope")).rejects.toThrow(BadInputError);
    await expect(namedQuery("nope")).rejects.toMatchObject({
      hint: "the named queries are: daily-index, label-distribution, most-negative",
    });
  });

  it("a query whose placeholders and declared parameters disagree is refused", () => {
    expect(() => parseNamedQuery("broken", "-- Broken.\nSELECT ? AS a")).toThrow(/1 placeholders but 0 declared parameters/);
  });
});
