import { describe, expect, it } from "vitest";
import { parseAthenaCollection } from "../../../../functions/aws/athena-text.ts";

describe("parseAthenaCollection", () => {
  it("reads arrays, maps and rows as the local path prints them", () => {
    expect(parseAthenaCollection("[DXY, XAUUSD]")).toEqual(["DXY", "XAUUSD"]);
    expect(parseAthenaCollection("[]")).toEqual([]);
    expect(parseAthenaCollection("{negative=0.0125, neutral=0.2, positive=0.7875}")).toEqual({
      negative: 0.0125,
      neutral: 0.2,
      positive: 0.7875,
    });
    expect(parseAthenaCollection("{file=incoming/dump 2024.csv, line=17}")).toEqual({ file: "incoming/dump 2024.csv", line: 17 });
    expect(parseAthenaCollection("{}")).toEqual({});
  });

  it("reads nested collections, nulls and exponents", () => {
    expect(parseAthenaCollection("[{a=1, b=[x, null]}, {a=2.5E-4, b=[]}]")).toEqual([
      { a: 1, b: ["x", null] },
      { a: 2.5e-4, b: [] },
    ]);
  });

  it("gives back the text as Athena sent it when it cannot be read", () => {
    expect(parseAthenaCollection("[GLD, IAU")).toBe("[GLD, IAU");
    expect(parseAthenaCollection("{no equals sign}")).toBe("{no equals sign}");
    expect(parseAthenaCollection("[a] trailing")).toBe("[a] trailing");
  });
});
