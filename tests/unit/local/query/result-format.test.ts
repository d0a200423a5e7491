import { describe, expect, it } from "vitest";
import { formatCsv, formatResult, formatTable } from "../../../../local/query/result-format.ts";

const result = {
  columns: [
    { name: "symbol", type: "VARCHAR" },
    { name: "headlines", type: "BIGINT" },
    { name: "probs", type: "MAP(VARCHAR, DOUBLE)" },
  ],
  rows: [
    { symbol: "GLD", headlines: 12, probs: { positive: 0.5 } },
    { symbol: null, headlines: 3, probs: null },
  ],
};

describe("formatTable", () => {
  it("aligns numbers right, shows NULL and nested values, and counts the rows", () => {
    expect(formatTable(result)).toBe(
      [
        "symbol  headlines  probs",
        "──────  ─────────  ───────────────",
        "GLD            12  {positive: 0.5}",
        "NULL            3  NULL",
        "(2 rows)",
        "",
      ].join("\n"),
    );
  });
  it("cuts long text so a row fits a terminal", () => {
    const long = formatTable({ columns: [{ name: "headline", type: "VARCHAR" }], rows: [{ headline: "x".repeat(200) }] });
    expect(long.split("\n")[2]).toBe(`${"x".repeat(71)}…`);
  });
  it("prints an empty result as its header and (0 rows)", () => {
    expect(formatTable({ columns: [{ name: "id", type: "VARCHAR" }], rows: [] })).toBe("id\n──\n(0 rows)\n");
  });
});

describe("formatCsv and json", () => {
  it("writes nested values as JSON and nulls as empty fields", () => {
    expect(formatCsv(result)).toBe('symbol,headlines,probs\r\nGLD,12,"{""positive"":0.5}"\r\n,3,\r\n');
    expect(JSON.parse(formatResult(result, "json"))).toEqual(result.rows);
  });
});

describe("formatCsv against spreadsheet formulas", () => {
  it("prefixes text a spreadsheet would run as a formula with an apostrophe, and leaves numbers alone", () => {
    const hostile = {
      columns: [
        { name: "headline", type: "VARCHAR" },
        { name: "score", type: "DOUBLE" },
      ],
      rows: [
        { headline: "=cmd|' /C calc'!A0", score: -0.5 },
        { headline: "+SUM(1,2)", score: 1 },
        { headline: "-2+3", score: 0 },
        { headline: "@SUM(A1)", score: 0 },
        { headline: "\tTAB", score: 0 },
        { headline: "Gold = safe haven", score: 0 },
      ],
    };
    expect(formatCsv(hostile).split("\r\n")).toEqual([
      "headline,score",
      "'=cmd|' /C calc'!A0,-0.5",
      `"'+SUM(1,2)",1`,
      "'-2+3,0",
      "'@SUM(A1),0",
      "'\tTAB,0",
      "Gold = safe haven,0",
      "",
    ]);
  });
});
