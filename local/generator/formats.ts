import type { GeneratedHeadline } from "./headlines.ts";

export const GENERATE_FORMATS = ["csv", "jsonl"] as const;
export type GenerateFormat = (typeof GENERATE_FORMATS)[number];

const CSV_COLUMNS = ["id", "headline", "published_at", "symbols", "source", "url"] as const;

/**
 * The rows as text lines (each ending in a newline): a CSV with a header, or one news-API object per
 * line (id, headline, summary, created_at, symbols, source, url).
 */
export function* formatHeadlines(rows: Iterable<GeneratedHeadline>, format: GenerateFormat): Generator<string> {
  if (format === "jsonl") {
    for (const { id, headline, summary, published_at, symbols, source, url } of rows) {
      yield `${JSON.stringify({ id, headline, summary, created_at: published_at, symbols, source, url })}\n`;
    }
    return;
  }
  yield `${CSV_COLUMNS.join(",")}\n`;
  for (const row of rows) {
    yield `${CSV_COLUMNS.map((column) => csvField(column === "symbols" ? row.symbols.join(" ") : row[column])).join(",")}\n`;
  }
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
