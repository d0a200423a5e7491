import { describe, expect, it } from "vitest";
import { BadInputError } from "../../../../../functions/core/errors.ts";
import { fieldForColumn, objectValues, resolveColumns } from "../../../../../functions/core/ingest/input-shapes.ts";

describe("column aliases", () => {
  it.each([
    ["headline", "headline"],
    ["Title", "headline"],
    ["News", "headline"],
    ["created_at", "published_at"],
    ["Dates", "published_at"],
    ["date", "published_at"],
    ["tickers", "symbols"],
    ["URL", "url"],
    [" source ", "source"],
    ["Price Sentiment", undefined],
  ])("%j is %s", (column, field) => {
    expect(fieldForColumn(column)).toBe(field);
  });

  it("maps a header to positions, the first alias winning", () => {
    const columns = resolveColumns(["Dates", "URL", "News", "title"]);
    expect(Object.fromEntries(columns)).toEqual({ published_at: 0, url: 1, headline: 2 });
  });

  it("refuses a header without a headline or a time column", () => {
    expect(() => resolveColumns(["date", "body"])).toThrow(BadInputError);
    expect(() => resolveColumns(["date", "body"])).toThrow(/no headline column/);
    expect(() => resolveColumns(["headline", "url"])).toThrow(/no published-time column/);
  });

  it("maps an object's keys", () => {
    expect(objectValues({ title: "Gold", date: "2024-03-01", summary: "x", tickers: ["GLD"] })).toEqual({
      headline: "Gold",
      published_at: "2024-03-01",
      symbols: ["GLD"],
    });
  });
});
