import type { Json } from "@duckdb/node-api";
import type { QueryResult } from "./lake-catalog.ts";

export const RESULT_FORMATS = ["table", "csv", "json"] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

/** A cell of a table is cut to this many characters, so a headline does not wrap the terminal. */
const MAX_CELL_CHARS = 72;

export function formatResult(result: QueryResult, format: ResultFormat): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(result.rows, null, 2)}\n`;
    case "csv":
      return formatCsv(result);
    case "table":
      return formatTable(result);
  }
}

/**
 * RFC 4180: a header line, fields quoted when they hold a comma, quote or line break; nested values
 * as JSON. Text that a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a
 * carriage return: a headline such as `=cmd|' /C calc'!A0`) gets a leading apostrophe, which
 * spreadsheets show as text; numbers are written as they are.
 */
export function formatCsv({ columns, rows }: QueryResult): string {
  const field = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const cell = (value: Json) =>
    value === null ? "" : typeof value === "object" ? JSON.stringify(value) : typeof value === "string" ? inert(value) : String(value);
  const lines = [columns.map((c) => field(inert(c.name))), ...rows.map((row) => columns.map((c) => field(cell(row[c.name] ?? null))))];
  return lines.map((line) => `${line.join(",")}\r\n`).join("");
}

const FORMULA_START = /^[=+\-@\t\r]/;
const inert = (text: string) => (FORMULA_START.test(text) ? `'${text}` : text);

/** Aligned columns for a terminal: numbers to the right, long text cut with an ellipsis, the row count under. */
export function formatTable({ columns, rows }: QueryResult): string {
  const cells = rows.map((row) => columns.map((c) => truncate(display(row[c.name] ?? null))));
  const widths = columns.map((c, i) => Math.max(c.name.length, ...cells.map((r) => r[i]!.length)));
  const numeric = columns.map(
    (_, i) => rows.length > 0 && rows.every((row) => typeof row[columns[i]!.name] === "number" || row[columns[i]!.name] === null),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const header = line(columns.map((c) => c.name));
  const rule = widths.map((w) => "─".repeat(w)).join("  ");
  const footer = `(${rows.length} ${rows.length === 1 ? "row" : "rows"})`;
  return [header, rule, ...cells.map(line), footer].join("\n") + "\n";
}

function display(value: Json): string {
  if (value === null) return "NULL";
  if (Array.isArray(value)) return `[${value.map(display).join(", ")}]`;
  if (typeof value === "object")
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${display(v)}`)
      .join(", ")}}`;
  return String(value).replace(/\s+/g, " ");
}

const truncate = (text: string) => (text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text);
