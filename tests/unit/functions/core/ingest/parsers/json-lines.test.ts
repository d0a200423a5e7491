import { describe, expect, it } from "vitest";
import { BadInputError } from "../../../../../../functions/core/errors.ts";
import { parseJsonLines } from "../../../../../../functions/core/ingest/parsers/json-lines.ts";
import type { InputRecord } from "../../../../../../functions/core/ingest/input-shapes.ts";
import { MAX_RECORD_CHARS } from "../../../../../../functions/core/ingest/parsers/delimited.ts";

async function parse(text: string, size: number): Promise<InputRecord[]> {
  async function* chunks() {
    for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
  }
  const records: InputRecord[] = [];
  for await (const batch of parseJsonLines(chunks())) records.push(...batch);
  return records;
}

describe("parseJsonLines", () => {
  it.each([1, 5, 1000])("reads news-API objects in chunks of %i, skipping blank lines", async (size) => {
    const text = '{"id":"n1","headline":"Gold up","created_at":"2024-03-01","summary":"s"}\r\n\n{"title":"Gold down","date":1709303400}';
    const records = await parse(text, size);
    expect(records.map(({ line, values }) => ({ line, values }))).toEqual([
      { line: 1, values: { id: "n1", headline: "Gold up", published_at: "2024-03-01" } },
      { line: 3, values: { headline: "Gold down", published_at: 1709303400 } },
    ]);
  });

  it("sets aside malformed JSON and values that are not objects", async () => {
    const records = await parse('{"headline":"ok"}\n{"headline":\n[1,2]\nnull\n"text"\n', 3);
    expect(records.map((r) => r.problem?.reason)).toEqual([
      undefined,
      "malformed JSON",
      "not a JSON object",
      "not a JSON object",
      "not a JSON object",
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
  });

  it("refuses a file whose first line is not a headline object: another shape of JSON", async () => {
    await expect(parse('{\n  "headline": "x"\n}\n', 4)).rejects.toThrow(
      /first line \(line 1\) is not a headline object \(malformed JSON\)/,
    );
    await expect(parse('\n{"status":"ok","articles":[]}\n', 4)).rejects.toThrow(BadInputError);
  });

  it("reports a line longer than the limit and goes on", async () => {
    const text = `{"headline":"first"}\n{"headline":"${"x".repeat(MAX_RECORD_CHARS)}"}\n{"headline":"ok","date":"2024-01-01"}\n`;
    const records = await parse(text, 512 * 1024);
    expect(records[1]).toMatchObject({ line: 2, problem: { reason: "row too long" } });
    expect(records[2]).toMatchObject({ line: 3, values: { headline: "ok" } });
  });
});
