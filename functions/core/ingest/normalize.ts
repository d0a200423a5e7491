import type { Headline } from "../headline.ts";
import { parsePublishedAt } from "./dates.ts";
import { INVALID_UTF8_MARK } from "./file-reading.ts";
import { headlineId } from "./headline-id.ts";
import { JsonInputSchema, type InputField, type InputRecord, type RowProblem } from "./input-shapes.ts";

export const MAX_HEADLINE_CHARS = 1000;
export const MAX_URL_CHARS = 2048;
const MAX_ID_CHARS = 256;
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
  if (headline.length > MAX_HEADLINE_CHARS) {
    return {
      field: "headline",
      reason: "headline too long",
      detail: `${headline.length} characters; a headline has at most ${MAX_HEADLINE_CHARS}`,
    };
  }
  const publishedAt = parsePublishedAt(values.published_at ?? "", now);
  if (typeof publishedAt !== "string") return { field: "published_at", reason: publishedAt.reason, detail: publishedAt.detail };
  const url = optionalText(values.url);
  if (url !== null && url.length > MAX_URL_CHARS) {
    return { field: "url", reason: "url too long", detail: `${url.length} characters; a url has at most ${MAX_URL_CHARS}` };
  }
  const sourceId = values.id === undefined || values.id === null ? "" : String(values.id).trim();
  if (sourceId.length > MAX_ID_CHARS) {
    return { field: "id", reason: "id too long", detail: `${sourceId.length} characters; an id has at most ${MAX_ID_CHARS}` };
  }
  return {
    id: headlineId(sourceId, headline, publishedAt),
    headline,
    published_at: publishedAt,
    symbols: symbolsOf(values.symbols),
    source: optionalText(values.source),
    url,
    origin: { file, line: record.line },
  };
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
