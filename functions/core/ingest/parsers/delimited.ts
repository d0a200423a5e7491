import { resolveColumns, unreadableRow, type InputField, type InputRecord } from "../input-shapes.ts";

/**
 * CSV and TSV, streamed: quoted fields with delimiters, doubled quotes and newlines inside; CRLF or
 * LF; blank lines skipped. A line without quotes takes a fast path (split), which is most lines of
 * a headline dump; a quoted record is scanned character by character. A quote that never closes
 * spoils only the line it opens on: that line is reported and parsing resumes on the next one.
 * (csv-parse, measured in benchmarks/ingest.ts as the baseline, is slower than this on headlines.)
 */
export const MAX_RECORD_CHARS = 4 * 1024 * 1024;

interface ScannedRecord {
  fields: string[];
  /** The record's text, without its line ending. */
  raw: string;
  line: number;
  /** Set when the record's quote never closed: the line is reported, not parsed. */
  unclosedQuote?: boolean;
  /** Set when the line ran past MAX_RECORD_CHARS; raw holds its start. */
  tooLong?: boolean;
}

export async function* parseDelimited(text: AsyncIterable<string>, delimiter: string): AsyncGenerator<InputRecord[]> {
  const scanner = new RecordScanner(delimiter);
  let columns: Map<InputField, number> | undefined;
  let width = 0;
  const toInput = (record: ScannedRecord): InputRecord | undefined => {
    if (!columns) {
      columns = resolveColumns(record.fields);
      width = record.fields.length;
      return undefined;
    }
    if (record.unclosedQuote) return unreadable(record, "unclosed quote", "a quoted field opens on this line and never closes");
    if (record.tooLong) return unreadable(record, "row too long", `the line is longer than ${MAX_RECORD_CHARS} characters`);
    if (record.fields.length !== width) {
      return unreadable(record, "wrong number of columns", `expected ${width} columns like the header, found ${record.fields.length}`);
    }
    const values: InputRecord["values"] = {};
    for (const [field, position] of columns) values[field] = record.fields[position];
    return { line: record.line, values, raw: record.raw };
  };
  for await (const chunk of text) {
    const batch: InputRecord[] = [];
    for (const record of scanner.push(chunk)) {
      const input = toInput(record);
      if (input) batch.push(input);
    }
    if (batch.length) yield batch;
  }
  const tail: InputRecord[] = [];
  for (const record of scanner.end()) {
    const input = toInput(record);
    if (input) tail.push(input);
  }
  if (!columns) resolveColumns([]);
  if (tail.length) yield tail;
}

const unreadable = (record: ScannedRecord, reason: string, detail: string) => unreadableRow(record.raw, record.line, reason, detail);

/** The delimiter of a header line: the one that occurs most outside quotes; the file name's hint wins when present. */
export function detectDelimiter(firstLine: string, hint: string | undefined): string {
  const counts = [",", "\t", ";", "|"].map((candidate) => ({ candidate, count: countOutsideQuotes(firstLine, candidate) }));
  if (hint && counts.some(({ candidate, count }) => candidate === hint && count > 0)) return hint;
  const best = counts.reduce((a, b) => (b.count > a.count ? b : a));
  return best.count > 0 ? best.candidate : (hint ?? ",");
}

function countOutsideQuotes(line: string, char: string): number {
  let count = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === char && !quoted) count++;
  }
  return count;
}

const QUOTE = 34;
const NEWLINE = 10;
const RETURN = 13;

/** Cuts a stream of text into records; push() returns the records completed by the chunk. */
class RecordScanner {
  readonly #delimiter: string;
  readonly #delimiterCode: number;
  #buffer = "";
  /** The file line of the first character of the buffer. */
  #line = 1;
  /** Dropping the rest of a line longer than MAX_RECORD_CHARS. */
  #skippingLine = false;

  constructor(delimiter: string) {
    this.#delimiter = delimiter;
    this.#delimiterCode = delimiter.charCodeAt(0);
  }

  push(chunk: string): ScannedRecord[] {
    if (this.#skippingLine) {
      const newline = chunk.indexOf("\n");
      if (newline === -1) return [];
      this.#skippingLine = false;
      this.#line++;
      chunk = chunk.slice(newline + 1);
    }
    this.#buffer = this.#buffer ? this.#buffer + chunk : chunk;
    return this.#scan(false);
  }

  end(): ScannedRecord[] {
    return this.#scan(true);
  }

  #scan(atEnd: boolean): ScannedRecord[] {
    const records: ScannedRecord[] = [];
    const buffer = this.#buffer;
    let position = 0;
    let line = this.#line;
    // The next quote, found once and kept until passed: looking for it on every line would scan to
    // the end of the buffer again and again in a file with few quotes.
    let quote = buffer.indexOf('"');
    while (position < buffer.length) {
      const newline = buffer.indexOf("\n", position);
      const lineEnd = newline === -1 ? buffer.length : newline;
      if (quote !== -1 && quote < position) quote = buffer.indexOf('"', position);
      if (quote === -1 || quote > lineEnd) {
        if (newline === -1 && !atEnd) break;
        const end = lineEnd > position && buffer.charCodeAt(lineEnd - 1) === RETURN ? lineEnd - 1 : lineEnd;
        if (end - position > MAX_RECORD_CHARS) {
          records.push({ fields: [], raw: buffer.slice(position, position + 1000), line, tooLong: true });
        } else if (end > position) {
          const raw = buffer.slice(position, end);
          records.push({ fields: raw.split(this.#delimiter), raw, line });
        }
        position = lineEnd + 1;
        line++;
        continue;
      }
      const quoted = this.#scanQuoted(buffer, position, line, atEnd);
      if (!quoted) break;
      records.push(quoted.record);
      position = quoted.next;
      line = quoted.nextLine;
    }
    this.#buffer = position >= buffer.length ? "" : buffer.slice(position);
    this.#line = line;
    if (!atEnd && this.#buffer.length > MAX_RECORD_CHARS) records.push(...this.#abandonFirstLine());
    return records;
  }

  /** A record with quotes, from start; undefined when it runs past the buffer (more text needed). */
  #scanQuoted(buffer: string, start: number, line: number, atEnd: boolean) {
    const fields: string[] = [];
    let field = "";
    let position = start;
    let fieldStart = start;
    let inQuotes = false;
    let newlines = 0;
    while (position < buffer.length) {
      if (inQuotes) {
        // Jump to the next quote: a quoted field (a headline with commas) is most of a quoted record.
        const quote = buffer.indexOf('"', position);
        if (quote === -1) break;
        for (let newline = buffer.indexOf("\n", position); newline !== -1 && newline < quote; newline = buffer.indexOf("\n", newline + 1)) {
          newlines++;
        }
        if (buffer.charCodeAt(quote + 1) === QUOTE) {
          field += buffer.slice(fieldStart, quote + 1);
          position = quote + 2;
          fieldStart = position;
          continue;
        }
        if (quote + 1 >= buffer.length && !atEnd) return undefined;
        field += buffer.slice(fieldStart, quote);
        inQuotes = false;
        position = quote + 1;
        fieldStart = position;
        continue;
      }
      const code = buffer.charCodeAt(position);
      if (code === QUOTE && position === fieldStart && field === "") {
        inQuotes = true;
        fieldStart = position + 1;
      } else if (code === this.#delimiterCode) {
        fields.push(field + buffer.slice(fieldStart, position));
        field = "";
        fieldStart = position + 1;
      } else if (code === NEWLINE) {
        const end = buffer.charCodeAt(position - 1) === RETURN && position - 1 >= fieldStart ? position - 1 : position;
        fields.push(field + buffer.slice(fieldStart, end));
        const rawEnd = buffer.charCodeAt(position - 1) === RETURN ? position - 1 : position;
        return { record: { fields, raw: buffer.slice(start, rawEnd), line }, next: position + 1, nextLine: line + newlines + 1 };
      }
      position++;
    }
    if (!atEnd) return undefined;
    if (inQuotes) return this.#unclosed(buffer, start, line);
    fields.push(field + buffer.slice(fieldStart, buffer.length));
    return { record: { fields, raw: buffer.slice(start), line }, next: buffer.length, nextLine: line + newlines + 1 };
  }

  #unclosed(buffer: string, start: number, line: number) {
    const newline = buffer.indexOf("\n", start);
    const end = newline === -1 ? buffer.length : newline;
    const rawEnd = end > start && buffer.charCodeAt(end - 1) === RETURN ? end - 1 : end;
    return {
      record: { fields: [], raw: buffer.slice(start, rawEnd), line, unclosedQuote: true },
      next: end + 1,
      nextLine: line + 1,
    };
  }

  /**
   * The buffered record grew past MAX_RECORD_CHARS: a quote that spans lines without closing (report
   * its first line, go on after it) or one enormous line (report it, drop it up to its newline).
   */
  #abandonFirstLine(): ScannedRecord[] {
    if (this.#buffer.includes("\n")) {
      const { record, next } = this.#unclosed(this.#buffer, 0, this.#line);
      this.#buffer = this.#buffer.slice(next);
      this.#line++;
      return [record, ...this.#scan(false)];
    }
    const record: ScannedRecord = { fields: [], raw: this.#buffer.slice(0, 1000), line: this.#line, tooLong: true };
    this.#buffer = "";
    this.#skippingLine = true;
    return [record];
  }
}
