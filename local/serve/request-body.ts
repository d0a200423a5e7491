import { unreadableRow, objectValues, type InputRecord } from "../../functions/core/ingest/input-shapes.ts";
import { jsonValueRecord } from "../../functions/core/ingest/parsers/json-lines.ts";

/** How a request's headlines came, and so how they are answered: an object, a list, or JSON Lines. */
export type BodyShape = "object" | "list" | "jsonl";

const JSON_LINES_TYPES = new Set(["application/jsonlines", "application/x-jsonlines", "application/jsonl", "application/x-ndjson"]);
export const SHAPE_HINT = 'send {"headline": "...", "published_at": "..."}, a JSON list of such objects, or JSON Lines';

/** The request's rows as ingest reads them (the same field aliases), or the reason the body is not a request. */
export function requestRecords(body: string, contentType: string | undefined): { shape: BodyShape; records: InputRecord[] } | string {
  const mediaType = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (JSON_LINES_TYPES.has(mediaType)) return { shape: "jsonl", records: jsonLines(body) };
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    if (body.trim().includes("\n")) return { shape: "jsonl", records: jsonLines(body) };
    return `the body is not JSON (${(error as Error).message}): ${SHAPE_HINT}`;
  }
  if (Array.isArray(document)) return { shape: "list", records: document.map((item, i) => itemRecord(item, i + 1)) };
  if (typeof document === "object" && document !== null) return { shape: "object", records: [itemRecord(document, 1)] };
  return `the body is a JSON ${document === null ? "null" : typeof document}: ${SHAPE_HINT}`;
}

function itemRecord(item: unknown, line: number): InputRecord {
  const raw = JSON.stringify(item);
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    return unreadableRow(raw, line, "not a JSON object", "expected an object with a headline");
  }
  return { line, values: objectValues(item as Record<string, unknown>), raw };
}

function jsonLines(body: string): InputRecord[] {
  return body
    .split("\n")
    .map((text, i) => ({ text, line: i + 1 }))
    .filter(({ text }) => text.trim() !== "")
    .map(({ text, line }) => jsonValueRecord(text, line));
}
