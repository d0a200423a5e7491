import { objectValues, requireHeadlineObject, unreadableRow, type InputRecord } from "../input-shapes.ts";
import { MAX_RECORD_CHARS } from "./delimited.ts";

/** JSONL / NDJSON, streamed: one JSON object per line (a news API's export), blank lines skipped. */
export async function* parseJsonLines(text: AsyncIterable<string>): AsyncGenerator<InputRecord[]> {
  let first = true;
  for await (const batch of splitJsonLines(text)) {
    if (first) requireHeadlineObject(batch[0]!, `the first line (line ${batch[0]!.line})`);
    first = false;
    yield batch;
  }
}

async function* splitJsonLines(text: AsyncIterable<string>): AsyncGenerator<InputRecord[]> {
  let buffer = "";
  let line = 1;
  let skippingLine = false;
  for await (const chunk of text) {
    let start = 0;
    if (skippingLine) {
      const newline = chunk.indexOf("\n");
      if (newline === -1) continue;
      skippingLine = false;
      line++;
      start = newline + 1;
    }
    buffer = buffer ? buffer + chunk.slice(start) : chunk.slice(start);
    const batch: InputRecord[] = [];
    let position = 0;
    for (let newline = buffer.indexOf("\n"); newline !== -1; newline = buffer.indexOf("\n", position)) {
      const record =
        newline - position > MAX_RECORD_CHARS
          ? unreadableRow(
              buffer.slice(position, position + 1000),
              line,
              "row too long",
              `the line is longer than ${MAX_RECORD_CHARS} characters`,
            )
          : jsonLineRecord(buffer.slice(position, newline), line);
      if (record) batch.push(record);
      position = newline + 1;
      line++;
    }
    buffer = buffer.slice(position);
    if (buffer.length > MAX_RECORD_CHARS) {
      batch.push(unreadableRow(buffer.slice(0, 1000), line, "row too long", `the line is longer than ${MAX_RECORD_CHARS} characters`));
      buffer = "";
      skippingLine = true;
    }
    if (batch.length) yield batch;
  }
  const last = skippingLine ? undefined : jsonLineRecord(buffer, line);
  if (last) yield [last];
}

function jsonLineRecord(text: string, line: number): InputRecord | undefined {
  const raw = text.endsWith("\r") ? text.slice(0, -1) : text;
  if (raw.trim() === "") return undefined;
  return jsonValueRecord(raw, line);
}

/** One JSON text that should hold a headline object (a JSONL line or a JSON array's element). */
export function jsonValueRecord(raw: string, line: number): InputRecord {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return unreadableRow(raw, line, "malformed JSON", (error as Error).message);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
    return unreadableRow(raw, line, "not a JSON object", `expected an object with a headline, found ${kind}`);
  }
  return { line, values: objectValues(value as Record<string, unknown>), raw };
}

/** A row the parser could not read: counted and quarantined with the reason. */
export const lineProblem = (raw: string, line: number, reason: string, detail: string): InputRecord => ({
  line,
  values: {},
  raw,
  problem: { field: null, reason, detail },
});
