import { describe, expect, it } from "vitest";
import { BadInputError } from "../../../../../../functions/core/errors.ts";
import { detectDelimiter, MAX_RECORD_CHARS, parseDelimited } from "../../../../../../functions/core/ingest/parsers/delimited.ts";
import type { InputRecord } from "../../../../../../functions/core/ingest/input-shapes.ts";

async function* chunks(text: string, size: number) {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function parse(text: string, delimiter = ",", size = text.length || 1): Promise<InputRecord[]> {
  const records: InputRecord[] = [];
  for await (const batch of parseDelimited(chunks(text, size), delimiter)) records.push(...batch);
  return records;
}

const CSV =
  'headline,date,url\r\n"Gold, again",2024-03-01,u1\r\n"Quoted ""word""\r\nsecond line",2024-03-02,u2\r\n\r\nplain,2024-03-03,\r\n';

describe("parseDelimited", () => {
  it.each([1, 2, 3, 7, 64, CSV.length])("reads quotes, doubled quotes, newlines in quotes and CRLF in chunks of %i", async (size) => {
    const records = await parse(CSV, ",", size);
    expect(records.map(({ line, values }) => ({ line, ...values }))).toEqual([
      { line: 2, headline: "Gold, again", published_at: "2024-03-01", url: "u1" },
      { line: 3, headline: 'Quoted "word"\r\nsecond line', published_at: "2024-03-02", url: "u2" },
      { line: 6, headline: "plain", published_at: "2024-03-03", url: "" },
    ]);
    expect(records[0]!.raw).toBe('"Gold, again",2024-03-01,u1');
  });

  it("reads TSV and a last line without a newline", async () => {
    const records = await parse("News\tDates\nGold up\t7/4/2017\nGold down\t8/4/2017", "\t", 5);
    expect(records.map((r) => r.values.headline)).toEqual(["Gold up", "Gold down"]);
  });

  it("sets aside a row with the wrong number of columns", async () => {
    const [short, ok] = await parse("headline,date,url\nonly,two\nfine,2024-01-01,u\n");
    expect(short!.problem).toMatchObject({ reason: "wrong number of columns", detail: "expected 3 columns like the header, found 2" });
    expect(ok!.problem).toBeUndefined();
  });

  it("spoils only its own line when a quote never closes", async () => {
    const records = await parse('headline,date\n"never closed,2024-01-01\nnext,2024-01-02\n', ",", 4);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ line: 2, problem: { reason: "unclosed quote" } });
    expect(records[1]).toMatchObject({ line: 3, values: { headline: "next" } });
  });

  it("reports a line longer than the limit and goes on after it", async () => {
    const huge = "x".repeat(MAX_RECORD_CHARS + 10);
    const records = await parse(`headline,date\n${huge},2024-01-01\nnext,2024-01-02\n`, ",", 1024 * 1024);
    expect(records[0]).toMatchObject({ line: 2, problem: { reason: "row too long" } });
    expect(records[0]!.raw.length).toBeLessThanOrEqual(1000);
    expect(records[1]).toMatchObject({ line: 3, values: { headline: "next" } });
  });

  it("refuses a file without the columns it needs, even one with no lines", async () => {
    await expect(parse("body,when\nx,y\n")).rejects.toThrow(BadInputError);
    await expect(parse("")).rejects.toThrow(/no headline column/);
  });
});

describe("detectDelimiter", () => {
  it.each([
    ["a,b,c", undefined, ","],
    ["a\tb\tc", undefined, "\t"],
    ["a;b;c", ",", ";"],
    ['"x,y";b;c', undefined, ";"],
    ["a|b|c", undefined, "|"],
    ["a,b\tc", "\t", "\t"],
    ["single", "\t", "\t"],
    ["single", undefined, ","],
  ])("%j (hint %j) → %j", (line, hint, expected) => {
    expect(detectDelimiter(line, hint)).toBe(expected);
  });
});
