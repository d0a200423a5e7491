import { describe, expect, it } from "vitest";
import { BadInputError } from "../../../../../functions/core/errors.ts";
import { sniffShape } from "../../../../../functions/core/ingest/sniff.ts";

const sniff = (name: string, head: string | Buffer) => sniffShape(name, Buffer.isBuffer(head) ? head : Buffer.from(head));

describe("sniffShape", () => {
  it.each([
    ["a.csv", "headline,date\nx,y", { format: "delimited", delimiter: "," }],
    ["a.txt", "headline\tdate\n", { format: "delimited", delimiter: "\t" }],
    ["a.tsv.gz", "headline\tdate, with comma\n", { format: "delimited", delimiter: "\t" }],
    ["a.csv", "headline;date;url\n", { format: "delimited", delimiter: ";" }],
    ["a.json", "  \n[{}]", { format: "json" }],
    ["a.txt", '{"headline":"x"}\n', { format: "jsonl" }],
    ["a.bin", "PAR1\u0000\u0000", { format: "parquet" }],
  ])("%s %j → %j", (name, head, shape) => {
    expect(sniff(name, head)).toEqual(shape);
  });

  it.each([
    ["empty", "", /empty/],
    ["blank", " \n\n ", /blank/],
    ["binary", Buffer.from([0x00, 0x01, 0x02, 0x41]), /binary data/],
    ["zip", Buffer.from("PK\u0003\u0004rest", "latin1"), /ZIP archive/],
    ["pdf", "%PDF-1.7", /PDF/],
    ["UTF-16", Buffer.from("\uFEFFheadline,date\n", "utf16le"), /UTF-16 text, not UTF-8/],
    ["latin-1 noise", Buffer.from(Array.from({ length: 400 }, (_, i) => 0x80 + (i % 64))), /not UTF-8/],
  ])("refuses %s", (_, head, message) => {
    expect(() => sniff("f.csv", head)).toThrow(BadInputError);
    expect(() => sniff("f.csv", head)).toThrow(message);
  });
});
