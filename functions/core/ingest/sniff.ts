import { BadInputError } from "../errors.ts";
import { detectDelimiter } from "./parsers/delimited.ts";

/** What a dropped file holds, decided from its name and first bytes (after gunzip). */
export type FileShape = { format: "delimited"; delimiter: string } | { format: "jsonl" } | { format: "json" } | { format: "parquet" };

/** How many leading bytes the sniff looks at. */
export const SNIFF_BYTES = 64 * 1024;

export const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

const BINARY_SIGNATURES: { magic: string; what: string }[] = [
  { magic: "PK\u0003\u0004", what: "a ZIP archive (an Excel workbook is one)" },
  { magic: "%PDF", what: "a PDF document" },
  { magic: "\u00d0\u00cf\u0011\u00e0", what: "an old Office document" },
  { magic: "\u0089PNG", what: "a PNG image" },
];

/**
 * The shape of a file from its first bytes: Parquet by its magic number; JSON array, JSONL or
 * delimited text by its first character (or a .jsonl/.ndjson/.json name); the delimiter from the header line. A file that is
 * empty or not text at all is a bad file (BadInputError), moved to quarantine whole.
 */
export function sniffShape(name: string, head: Buffer): FileShape {
  if (head.length === 0) throw new BadInputError("the file is empty", "drop a file with a header and headline rows");
  if (head.subarray(0, 4).toString("latin1") === "PAR1") return { format: "parquet" };
  const signature = BINARY_SIGNATURES.find(({ magic }) => head.subarray(0, magic.length).toString("latin1") === magic);
  if (signature)
    throw new BadInputError(`not a text file: it is ${signature.what}`, "export the headlines as CSV, TSV, JSONL, JSON or Parquet");
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    throw new BadInputError("the file is UTF-16 text, not UTF-8", 'save it as UTF-8 (in Excel: "CSV UTF-8")');
  }
  if (head.includes(0))
    throw new BadInputError(
      "not a text file: it holds binary data (NUL bytes)",
      "export the headlines as CSV, TSV, JSONL, JSON or Parquet",
    );
  const text = new TextDecoder().decode(head.subarray(0, safeCut(head)));
  const replaced = countReplacements(text);
  if (replaced > 16 && replaced > text.length / 20) {
    throw new BadInputError("not a text file: most of its bytes are not UTF-8", "re-export the file as UTF-8 text");
  }
  const start = text.search(/\S/);
  if (start === -1) throw new BadInputError("the file holds only blank space", "drop a file with a header and headline rows");
  if (text[start] === "[") return { format: "json" };
  if (text[start] === "{" || /\.(jsonl|ndjson|json)(\.gz)?$/i.test(name)) return { format: "jsonl" };
  const newline = text.indexOf("\n", start);
  const header = text.slice(start, newline === -1 ? undefined : newline);
  return { format: "delimited", delimiter: detectDelimiter(header, delimiterHint(name)) };
}

function delimiterHint(name: string): string | undefined {
  const base = name.toLowerCase().replace(/\.gz$/, "");
  if (base.endsWith(".tsv") || base.endsWith(".tab")) return "\t";
  if (base.endsWith(".csv")) return ",";
  return undefined;
}

/** Cut before a UTF-8 sequence the sniff window may have split, so it is not counted as invalid. */
function safeCut(head: Buffer): number {
  const end = head.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = head[end - back]!;
    if ((byte & 0xc0) === 0xc0) return end - back;
    if ((byte & 0x80) === 0) break;
  }
  return end;
}

function countReplacements(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\uFFFD"); i !== -1; i = text.indexOf("\uFFFD", i + 1)) count++;
  return count;
}
