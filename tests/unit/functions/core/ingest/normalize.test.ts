import { describe, expect, it } from "vitest";
import { INVALID_UTF8_MARK } from "../../../../../functions/core/ingest/file-reading.ts";
import type { InputRecord } from "../../../../../functions/core/ingest/input-shapes.ts";
import { MAX_CHARS, normalizeRecord } from "../../../../../functions/core/ingest/normalize.ts";
import { HeadlineSchema } from "../../../../../functions/core/headline.ts";

const NOW = Date.parse("2026-01-15T12:00:00Z");
const record = (values: InputRecord["values"], line = 2): InputRecord => ({ line, values, raw: JSON.stringify(values) });

describe("normalizeRecord", () => {
  it("gives a headline that fits the contract", () => {
    const headline = normalizeRecord(
      record({
        id: " r-1 ",
        headline: "  Gold\n rallies   again ",
        published_at: "01-03-2024",
        symbols: "xauusd, gld;GLD",
        source: " Reuters ",
        url: "",
      }),
      "incoming/a.csv",
      NOW,
      false,
    );
    expect(headline).toEqual({
      id: "r-1",
      headline: "Gold rallies again",
      published_at: "2024-03-01T00:00:00.000Z",
      symbols: ["XAUUSD", "GLD", "XAU"],
      tagged_symbols: ["XAU"],
      source: "Reuters",
      url: null,
      origin: { file: "incoming/a.csv", line: 2 },
    });
    expect(HeadlineSchema.safeParse(headline).success).toBe(true);
  });

  it("takes symbols as a list from JSON and a numeric id", () => {
    const headline = normalizeRecord(record({ id: 7, headline: "GLD", published_at: 1709303400, symbols: ["gld"] }), "f", NOW, true);
    expect(headline).toMatchObject({ id: "7", symbols: ["GLD", "XAU"], tagged_symbols: ["XAU"], published_at: "2024-03-01T14:30:00.000Z" });
  });

  it("tags the instruments a headline without tickers is about, and does not repeat one the file gave", () => {
    const wire = normalizeRecord(record({ headline: "gold advances as dollar edges lower", published_at: "16-05-2017" }), "f", NOW, false);
    expect(wire).toMatchObject({ symbols: ["XAU", "DXY"], tagged_symbols: ["XAU", "DXY"] });
    const given = normalizeRecord(record({ headline: "Gold slips", published_at: "16-05-2017", symbols: "xau" }), "f", NOW, false);
    expect(given).toMatchObject({ symbols: ["XAU"], tagged_symbols: [] });
  });

  it.each([
    [{ headline: "", published_at: "2024-03-01" }, false, "headline", "missing headline"],
    [{ headline: "x".repeat(MAX_CHARS.headline + 1), published_at: "2024-03-01" }, false, "headline", "headline too long"],
    [{ headline: "Gold", published_at: "2024-03-01", source: "s".repeat(300) }, false, "source", "source too long"],
    [{ headline: "Gold", published_at: "2024-03-01", id: "i".repeat(300) }, false, "id", "id too long"],
    [
      { headline: "Gold", published_at: "2024-03-01", symbols: Array.from({ length: 65 }, (_, i) => `S${i}`).join(" ") },
      false,
      "symbols",
      "bad symbols",
    ],
    [{ headline: "Gold", published_at: "2024-03-01", symbols: "X".repeat(33) }, false, "symbols", "bad symbols"],
    [{ headline: "Gold", published_at: "0201-04-20" }, false, "published_at", "impossible date"],
    [{ headline: "Gold", published_at: "" }, false, "published_at", "missing published time"],
    [{ headline: "Gold", published_at: "2024-03-01", url: "https://x/".repeat(300) }, false, "url", "url too long"],
    [{ headline: 42, published_at: "2024-03-01" }, true, "headline", "wrong type"],
    [{ published_at: "2024-03-01" }, true, "headline", "missing headline"],
    [{ headline: "Gold" }, true, "published_at", "missing published time"],
    [{ headline: "Gold", published_at: "2024-03-01", symbols: [1, 2] }, true, "symbols", "wrong type"],
    [{ headline: "Gold", published_at: { at: 1 } }, true, "published_at", "wrong type"],
  ])("sets aside %j", (values, typed, field, reason) => {
    expect(normalizeRecord(record(values as InputRecord["values"]), "f", NOW, typed)).toMatchObject({ field, reason });
  });

  it("sets aside a row with bytes that were not UTF-8, but not one holding a real U+FFFD", () => {
    const bad: InputRecord = {
      line: 3,
      values: { headline: `Gold ${INVALID_UTF8_MARK}`, published_at: "2024-03-01" },
      raw: `Gold ${INVALID_UTF8_MARK}`,
    };
    expect(normalizeRecord(bad, "f", NOW, false)).toMatchObject({ reason: "invalid UTF-8", field: null });
    const real: InputRecord = { line: 3, values: { headline: "Gold \uFFFD", published_at: "2024-03-01" }, raw: "Gold \uFFFD" };
    expect(normalizeRecord(real, "f", NOW, false)).toMatchObject({ headline: "Gold \uFFFD" });
  });

  it("passes on the parser's own problem", () => {
    const unreadable: InputRecord = { line: 9, values: {}, raw: "{", problem: { field: null, reason: "malformed JSON", detail: "x" } };
    expect(normalizeRecord(unreadable, "f", NOW, true)).toEqual(unreadable.problem);
  });
});
