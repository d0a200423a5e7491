import { z } from "zod";
import { BadInputError } from "../errors.ts";

/** The headline fields an input can carry, under the names the pipeline uses. */
export const INPUT_FIELDS = ["id", "headline", "published_at", "symbols", "source", "url"] as const;
export type InputField = (typeof INPUT_FIELDS)[number];

/** Column names accepted for each field, compared case-insensitively: the names common news dumps use. */
export const COLUMN_ALIASES: Record<InputField, readonly string[]> = {
  id: ["id"],
  headline: ["headline", "title", "news"],
  published_at: ["created_at", "published_at", "dates", "date"],
  symbols: ["symbols", "tickers"],
  source: ["source"],
  url: ["url"],
};

const FIELD_BY_ALIAS = new Map<string, InputField>(
  INPUT_FIELDS.flatMap((field) => COLUMN_ALIASES[field].map((alias) => [alias, field] as const)),
);

/** The input field a column name stands for, or undefined for a column the pipeline ignores. */
export const fieldForColumn = (column: string): InputField | undefined => FIELD_BY_ALIAS.get(column.trim().toLowerCase());

/** Why a row was set aside: the field at fault (null for the row as a whole), a countable reason, and the detail. */
export interface RowProblem {
  field: InputField | null;
  reason: string;
  detail: string;
}

/** One row of an input, its values under the pipeline's field names, with its 1-based line in the file. */
export interface InputRecord {
  line: number;
  values: Partial<Record<InputField, unknown>>;
  /** The row as it stood in the file, for quarantine. */
  raw: string;
  /** Set by the parser when the row could not be read at all (unclosed quote, malformed JSON…). */
  problem?: RowProblem;
}

/** A row the parser could not read at all: counted, and quarantined with the reason. */
export const unreadableRow = (raw: string, line: number, reason: string, detail: string): InputRecord => ({
  line,
  values: {},
  raw,
  problem: { field: null, reason, detail },
});

/**
 * Maps a header (CSV/TSV) or a Parquet schema to field positions. A file without a headline or a
 * published-time column cannot give a single headline: that is a bad file, not a bad row.
 */
export function resolveColumns(columns: readonly string[]): Map<InputField, number> {
  const positions = new Map<InputField, number>();
  columns.forEach((column, index) => {
    const field = fieldForColumn(column);
    if (field && !positions.has(field)) positions.set(field, index);
  });
  requireColumn(positions, "headline", columns);
  requireColumn(positions, "published_at", columns);
  return positions;
}

function requireColumn(positions: Map<InputField, number>, field: InputField, columns: readonly string[]) {
  if (positions.has(field)) return;
  const found = columns.length ? columns.map((c) => JSON.stringify(c)).join(", ") : "none";
  throw new BadInputError(
    `no ${field === "headline" ? "headline" : "published-time"} column (columns found: ${found.slice(0, 200)})`,
    `name one column ${COLUMN_ALIASES[field].join(" or ")}`,
  );
}

/**
 * JSON input is only taken as headline objects if its first one is: a first line that is not JSON,
 * or a first object without a headline, means the whole file has another shape (pretty-printed
 * JSON, an API envelope like {"articles": […]}) and is a bad file, not a file of bad rows.
 */
export function requireHeadlineObject(first: InputRecord, what: string): void {
  if (first.problem) {
    throw new BadInputError(
      `${what} is not a headline object (${first.problem.reason})`,
      "give one JSON object per line (JSONL) or one JSON array of objects",
    );
  }
  if (first.values.headline === undefined) {
    throw new BadInputError(`${what} has no headline field`, `name one field ${COLUMN_ALIASES.headline.join(" or ")}`);
  }
}

/** Maps the keys of one JSON object (JSONL line, JSON array element, news-API object) to input fields. */
export function objectValues(object: Record<string, unknown>): Partial<Record<InputField, unknown>> {
  const values: Partial<Record<InputField, unknown>> = {};
  for (const key in object) {
    const field = fieldForColumn(key);
    if (field && !(field in values)) values[field] = object[key];
  }
  return values;
}

const text = z.string();
const optionalText = z.string().nullish();

/**
 * The types a JSON input's fields may have: a news API's objects (id, headline, created_at, symbols,
 * source, url, summary; extra keys ignored), or any object using the column aliases. Delimited and
 * Parquet rows need no such check: the parser already gives strings.
 */
export const JsonInputSchema = z.object({
  id: z.union([z.string(), z.number().int()]).nullish(),
  headline: text,
  published_at: z.union([z.string(), z.number()]),
  symbols: z.union([z.array(z.string()), z.string()]).nullish(),
  source: optionalText,
  url: optionalText,
});
