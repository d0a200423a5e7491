import type { Headline } from "../headline.ts";
import { parsePublishedAt } from "./dates.ts";
import { INVALID_UTF8_MARK } from "./file-reading.ts";
import { headlineId } from "./headline-id.ts";
import { withInstruments } from "./instruments.ts";
import { JsonInputSchema, type InputField, type InputRecord, type RowProblem } from "./input-shapes.ts";

/** Bounds that keep one headline far below a queue message (256 KiB) whatever the input holds. */
export const MAX_CHARS = { headline: 1000, url: 2048, source: 256, id: 256, symbol: 32 } as const;
export const MAX_SYMBOLS = 64;
/** Runs of whitespace and any whitespace but a plain space (a headline usually has none, and is then left as it is). */
const WHITESPACE_RUN = /\s\s+|[^\S ]/g;
const SYMBOL_SEPARATORS = /[\s,;|]+/;

/**
 * One input row to a normalized headline, or the reason it cannot be one. Rows from JSON carry
 * values of any type and are checked with JsonInputSchema first; delimited and Parquet rows are
 * strings by construction.
 */
export function normalizeRecord(record: InputRecord, file: string, now: number, typed: boolean): Headline | RowProblem {
  if (record.problem) return record.problem;
  const values = record.values;
  if (typed) {
    const checked = JsonInputSchema.safeParse(values);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      const field = (issue.path[0] as InputField | undefined) ?? null;
      const missing = field !== null && values[field] === undefined;
      return {
        field,
        reason: missing ? `missing ${field === "published_at" ? "published time" : field}` : "wrong type",
        detail: missing ? `the row has no ${field}` : `${field}: ${issue.message}`,
      };
    }
  }
  if (record.raw.includes(INVALID_UTF8_MARK)) {
    return { field: null, reason: "invalid UTF-8", detail: "the row has bytes that are not UTF-8; re-export the file as UTF-8" };
  }
  const headline = typeof values.headline === "string" ? values.headline.replace(WHITESPACE_RUN, " ").trim() : "";
  if (headline === "") return { field: "headline", reason: "missing headline", detail: "the headline is empty" };
  const publishedAt = parsePublishedAt(values.published_at ?? "", now);
  if (typeof publishedAt !== "string") return { field: "published_at", reason: publishedAt.reason, detail: publishedAt.detail };
  const url = optionalText(values.url);
  const source = optionalText(values.source);
  const sourceId = values.id === undefined || values.id === null ? "" : String(values.id).trim();
  const symbols = symbolsOf(values.symbols);
  const tooLong =
    overLimit("headline", headline, MAX_CHARS.headline) ??
    overLimit("url", url, MAX_CHARS.url) ??
    overLimit("source", source, MAX_CHARS.source) ??
    overLimit("id", sourceId, MAX_CHARS.id);
  if (tooLong) return tooLong;
  if (symbols.length > MAX_SYMBOLS || symbols.some((symbol) => symbol.length > MAX_CHARS.symbol)) {
    return {
      field: "symbols",
      reason: "bad symbols",
      detail: `${symbols.length} symbols; a headline has at most ${MAX_SYMBOLS}, each at most ${MAX_CHARS.symbol} characters`,
    };
  }
  return {
    id: headlineId(sourceId, headline, publishedAt),
    headline,
    published_at: publishedAt,
    ...withInstruments(symbols, headline),
    source,
    url,
    origin: { file, line: record.line },
  };
}

function overLimit(field: InputField, value: string | null, max: number): RowProblem | undefined {
  if (value === null || value.length <= max) return undefined;
  return { field, reason: `${field} too long`, detail: `${value.length} characters; a ${field} has at most ${max}` };
}

export const isRowProblem = (value: Headline | RowProblem): value is RowProblem => "reason" in value;

function optionalText(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const text = value.trim();
  return text === "" ? null : text;
}

function symbolsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === "string" ? value.split(SYMBOL_SEPARATORS) : [];
  const symbols: string[] = [];
  for (const item of list) {
    const symbol = String(item).trim().toUpperCase();
    if (symbol && !symbols.includes(symbol)) symbols.push(symbol);
  }
  return symbols;
}
