import { PassThrough } from "node:stream";
import { once } from "node:events";
import type { ObjectStore } from "../ports.ts";
import { quarantinePrefix, quarantineReasonKey, quarantineRowsKey } from "../lake-keys.ts";
import type { InputField } from "./input-shapes.ts";

/** One line of `quarantine/<file>/rows.jsonl` (docs/contracts.md). */
export interface QuarantinedRow {
  file: string;
  line: number;
  field: InputField | null;
  reason: string;
  detail: string;
  /** The row as it stood in the file, clipped to MAX_RAW_CHARS. */
  raw: string;
}

/** `quarantine/<file>/reason.json`, beside a bad file moved there whole. */
export interface QuarantinedFile {
  file: string;
  reason: string;
  detail: string;
}

export const MAX_RAW_CHARS = 64 * 1024;

/**
 * The bad rows of one file, streamed to `quarantine/<file>/rows.jsonl` as they are found (a file
 * of a million bad rows is not held in memory), with a count per reason for the ingest record.
 */
export class RowQuarantine {
  readonly reasons: Record<string, number> = {};
  count = 0;
  readonly #store: ObjectStore;
  readonly #file: string;
  #stream: PassThrough | undefined;
  #upload: Promise<void> | undefined;
  #uploadError: unknown;

  constructor(store: ObjectStore, file: string) {
    this.#store = store;
    this.#file = file;
  }

  /** Adds a bad row; a promise comes back only when the upload is behind (await it: that is the backpressure). */
  add(row: Omit<QuarantinedRow, "file">): Promise<void> | undefined {
    this.count++;
    this.reasons[row.reason] = (this.reasons[row.reason] ?? 0) + 1;
    const raw = row.raw.length > MAX_RAW_CHARS ? `${row.raw.slice(0, MAX_RAW_CHARS)}…` : row.raw;
    const line: QuarantinedRow = { file: this.#file, line: row.line, field: row.field, reason: row.reason, detail: row.detail, raw };
    const stream = this.#open();
    if (this.#uploadError) throw this.#uploadError;
    if (stream.write(`${JSON.stringify(line)}\n`)) return undefined;
    return Promise.race([once(stream, "drain"), this.#upload]).then(() => {
      if (this.#uploadError) throw this.#uploadError;
    });
  }

  /** Finishes the upload; nothing is written when no row was bad. */
  async close(): Promise<void> {
    if (!this.#stream) return;
    this.#stream.end();
    await this.#upload;
    if (this.#uploadError) throw this.#uploadError;
  }

  #open(): PassThrough {
    if (!this.#stream) {
      const stream = new PassThrough({ highWaterMark: 1024 * 1024 });
      this.#stream = stream;
      this.#upload = this.#store
        .put(quarantineRowsKey(this.#file), stream, { contentType: "application/x-ndjson" })
        .catch((error: unknown) => {
          this.#uploadError = error;
          stream.destroy();
        });
    }
    return this.#stream;
  }
}

/** Moves a bad file whole to `quarantine/<file>/<name>` with `reason.json` beside it. */
export async function quarantineFile(store: ObjectStore, file: string, reason: string, detail: string): Promise<QuarantinedFile> {
  const name = file.slice(file.lastIndexOf("/") + 1);
  const record: QuarantinedFile = { file, reason, detail };
  await store.put(`${quarantinePrefix(file)}${name}`, await store.getStream(file));
  await store.put(quarantineReasonKey(file), `${JSON.stringify(record, null, 2)}\n`, { contentType: "application/json" });
  await store.delete(file);
  return record;
}
