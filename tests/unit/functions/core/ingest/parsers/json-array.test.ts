import { describe, expect, it } from "vitest";
import { BadInputError } from "../../../../../../functions/core/errors.ts";
import { parseJsonArray } from "../../../../../../functions/core/ingest/parsers/json-array.ts";
import type { InputRecord } from "../../../../../../functions/core/ingest/input-shapes.ts";

async function parse(text: string, size: number): Promise<InputRecord[]> {
  async function* chunks() {
    for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
  }
  const records: InputRecord[] = [];
  for await (const batch of parseJsonArray(chunks())) records.push(...batch);
  return records;
}

const ARRAY =
  '[\n  {"headline": "Gold [up] {x} \\"q\\" \\\\", "date": "2024-03-01", "symbols": ["GLD", "IAU"]},\n' +
  '  {"headline": "Gold down",\n   "date": 1709303400}\n]\n';

describe("parseJsonArray", () => {
  it.each([1, 2, 7, ARRAY.length])("cuts out one element at a time in chunks of %i", async (size) => {
    const records = await parse(ARRAY, size);
    expect(records.map(({ line, values }) => ({ line, values }))).toEqual([
      { line: 2, values: { headline: 'Gold [up] {x} "q" \\', published_at: "2024-03-01", symbols: ["GLD", "IAU"] } },
      { line: 3, values: { headline: "Gold down", published_at: 1709303400 } },
    ]);
  });

  it("sets aside elements that are not objects", async () => {
    const records = await parse('[{"headline": "ok", "date": "2024-01-01"}, 1, "x", [2]]', 4);
    expect(records.map((r) => r.problem?.reason ?? "ok")).toEqual(["ok", "not a JSON object", "not a JSON object", "not a JSON object"]);
  });

  it("reports an element cut off by the end of the file", async () => {
    const records = await parse('[{"headline": "ok", "date": "2024-01-01"},\n{"headline": "cut', 5);
    expect(records[1]).toMatchObject({ line: 2, problem: { reason: "truncated JSON" } });
  });

  it("reports text after the closing bracket once", async () => {
    const records = await parse('[{"headline": "ok", "date": "2024-01-01"}]\ngarbage\nmore', 3);
    expect(records.map((r) => r.problem?.reason ?? "ok")).toEqual(["ok", "malformed JSON"]);
  });

  it("refuses a file that is not an array, or is empty", async () => {
    await expect(parse('{"headline": "x"}', 4)).rejects.toThrow(BadInputError);
    await expect(parse("  ", 4)).rejects.toThrow(/empty/);
    await expect(parse('[1, {"headline": "x"}]', 4)).rejects.toThrow(/first element is not a headline object/);
    await expect(parse('[{"articles": []}]', 4)).rejects.toThrow(/first element has no headline field/);
  });
});
