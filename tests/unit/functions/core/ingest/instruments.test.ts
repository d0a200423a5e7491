import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileRules, tagInstruments, withInstruments } from "../../../../../functions/core/ingest/instruments.ts";

/** headline → the instruments a person said it is about, from the hand-labelled fixture. */
function handLabelled(): { headline: string; instruments: string[] }[] {
  const text = readFileSync(new URL("../../../../fixtures/instruments/hand-labelled.tsv", import.meta.url), "utf8");
  const [header, ...rows] = text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
  expect(header).toBe("headline\tinstruments");
  return rows.map((row) => {
    const [headline, instruments = ""] = row.split("\t");
    return { headline: headline!, instruments: instruments.split(" ").filter(Boolean) };
  });
}

describe("tagInstruments", () => {
  it("tags every hand-labelled headline with exactly the instruments it is about, in the table's order", () => {
    const cases = handLabelled();
    expect(cases.length).toBeGreaterThanOrEqual(100);
    const wrong = cases
      .map(({ headline, instruments }) => ({ headline, expected: instruments, tagged: tagInstruments(headline) }))
      .filter(({ expected, tagged }) => expected.join(" ") !== tagged.join(" "));
    expect(wrong).toEqual([]);
  });

  it("tags gold however a wire spells it, and nothing in a headline about something else", () => {
    expect(tagInstruments("GOLD EDGES UP")).toEqual(["XAU"]);
    expect(tagInstruments("gold's run")).toEqual(["XAU"]);
    expect(tagInstruments("Goldman, Goldcorp and golden")).toEqual(["GDX"]);
    expect(tagInstruments("")).toEqual([]);
  });

  it("takes except phrases out only for their own instrument", () => {
    // "Barrick Gold" is a miner (GDX), not gold; the bullion in the same headline is gold.
    expect(tagInstruments("Barrick Gold rises as bullion climbs")).toEqual(["XAU", "GDX"]);
    expect(tagInstruments("Barrick Gold rises")).toEqual(["GDX"]);
  });
});

describe("compileRules", () => {
  it("matches whole words only, keeps the case of match_case patterns, and tags in table order", () => {
    const rules = compileRules({
      instruments: [
        { symbol: "B", name: "b", match: ["beta"], except: [] },
        { symbol: "A", name: "a", match: [], match_case: ["ALPHA"], except: ["ALPHA ROMEO"] },
      ],
    });
    expect(tagInstruments("ALPHA and beta", rules)).toEqual(["B", "A"]);
    expect(tagInstruments("alpha, alphabet, betamax", rules)).toEqual([]);
    expect(tagInstruments("ALPHA ROMEO", rules)).toEqual([]);
  });

  it("says which instrument has a broken pattern or none at all", () => {
    expect(() => compileRules({ instruments: [{ symbol: "X", name: "x", match: ["(unclosed"], except: [] }] })).toThrow(
      /instrument-rules.json, X: a pattern is not a valid regular expression/,
    );
    expect(() => compileRules({ instruments: [{ symbol: "X", name: "x", match: [], except: [] }] })).toThrow(/at least one pattern/);
  });
});

describe("withInstruments", () => {
  it("keeps the file's symbols first and adds the tagged ones it did not give, recording which those are", () => {
    expect(withInstruments(["GLD"], "Gold falls as the dollar firms")).toEqual({
      symbols: ["GLD", "XAU", "DXY"],
      tagged_symbols: ["XAU", "DXY"],
    });
    expect(withInstruments(["XAU"], "Gold falls")).toEqual({ symbols: ["XAU"], tagged_symbols: [] });
    expect(withInstruments([], "Copper hits a record")).toEqual({ symbols: [], tagged_symbols: [] });
  });
});
