import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { BadInputError } from "../errors.ts";
import type { ObjectStore, Queue } from "../ports.ts";
import { decodeUtf8, inspectObject, openContent } from "./file-reading.ts";
import { HeadlineSender } from "./headline-messages.ts";
import { IdSet } from "./id-set.ts";
import { findIngestRecord, writeIngestRecord } from "./ingest-record.ts";
import { describeLock, rewriteLock, waitForLock, type LockOwner, type LockRecord } from "../orchestration/lock.ts";
import { processOwner } from "../orchestration/run-lock.ts";
import type { InputRecord } from "./input-shapes.ts";
import { isRowProblem, normalizeRecord } from "./normalize.ts";
import { parseDelimited } from "./parsers/delimited.ts";
import { parseJsonArray } from "./parsers/json-array.ts";
import { parseJsonLines } from "./parsers/json-lines.ts";
import { realtimeDispatchAt, type RealtimeRoute } from "../realtime/dispatch.ts";
import { quarantineFile, RowQuarantine, type QuarantinedFile } from "./quarantine.ts";
import { sniffShape, type FileShape } from "./sniff.ts";
import { makeTemporaryFolder } from "../temporary-folder.ts";

/** What the fanout made of one dropped file; the counts obey rows_read = rows_valid + rows_quarantined. */
export interface FileIngestResult {
  file: string;
  sha256: string | null;
  rows_read: number;
  rows_valid: number;
  rows_quarantined: number;
  quarantine_reasons: Record<string, number>;
  /** Valid rows scored in real time and landed (docs/realtime.md); the other valid rows went to the batch path. */
  rows_realtime: number;
  /** Why the real-time endpoint was given up on for this file (its rows went to the batch path), if it was. */
  realtime_failure: string | null;
  /** The file first ingested with the same content, when this drop was recognized and not sent again. */
  duplicate_of: string | null;
  /** Set when the file could not be read at all and was moved to quarantine whole. */
  bad_file: QuarantinedFile | null;
  /** Headline messages sent to the queue. */
  messages: number;
}

export interface FanoutOptions {
  /** The ingest clock (epoch ms): a published time more than two days after it is implausible; also whether markets are open. */
  now?: number;
  /** Called as the file is parsed, with the bytes read so far, the object's size and the rows so far. */
  onProgress?: (progress: Readonly<{ bytes: number; total: number; rows: number }>) => void;
  /**
   * Rows at the start of the file that an earlier version of it already brought (a file appended
   * to after it was ingested): read past, neither counted nor sent again.
   */
  skipRows?: number;
  /** How long to wait while the same content is ingested elsewhere (default 30 s), before failing so the file is taken again later. */
  contentLockWaitMs?: number;
}

/** The lock of one content's ingest: two drops of the same bytes at once are ingested once, the other recognized as a repeat. */
export const contentLockName = (sha256: string) => `ingest/${sha256}`;

const CONTENT_LOCK_WAIT_MS = 30_000;

/**
 * The fanout: one object under incoming/ → its headlines on the queue, its bad rows in quarantine,
 * its ingest record. The same content ingested before is recognized by its sha256 and not sent
 * again. A file that cannot be read at all is moved to quarantine whole with its reason. With a real-time
 * route, during market hours, critical headlines are scored at once instead of being sent to the queue.
 * Resolves to undefined when no object is under the key (deleted, or already moved to quarantine).
 */
export async function fanoutFile(
  ports: { store: ObjectStore; queue: Queue; owner?: LockOwner; realtime?: RealtimeRoute },
  file: string,
  options: FanoutOptions = {},
): Promise<FileIngestResult | undefined> {
  const { store } = ports;
  const info = await store.head(file);
  if (!info) return undefined;
  const now = options.now ?? Date.now();
  const result: FileIngestResult = {
    file,
    sha256: null,
    rows_read: 0,
    rows_valid: 0,
    rows_quarantined: 0,
    quarantine_reasons: {},
    rows_realtime: 0,
    realtime_failure: null,
    duplicate_of: null,
    bad_file: null,
    messages: 0,
  };
  let claim: LockRecord | undefined;
  try {
    const inspection = await inspectObject(await store.getStream(file));
    result.sha256 = inspection.sha256;
    const attempt = await waitForLock(store, contentLockName(inspection.sha256), ports.owner ?? processOwner(), {
      timeoutMs: options.contentLockWaitMs ?? CONTENT_LOCK_WAIT_MS,
    });
    if (!attempt.acquired) {
      throw new Error(`the same content is being ingested by ${describeLock(attempt.heldBy)}; ${file} is to be taken again once that ends`);
    }
    claim = attempt.lock;
    const earlier = await findIngestRecord(store, inspection.sha256);
    if (earlier) return { ...result, duplicate_of: earlier.file };
    const shape = sniffShape(file, inspection.head);
    const progress = { bytes: 0, total: info.size, rows: 0 };
    const content = openContent(countBytes(await store.getStream(file), progress), inspection.gzip);
    const quarantine = new RowQuarantine(store, file);
    const sender = new HeadlineSender(ports.queue, { file, sha256: inspection.sha256 });
    const seenIds = new IdSet();
    let skip = options.skipRows ?? 0;
    const realtime = realtimeDispatchAt(ports.realtime, new Date(now), (headline) => sender.add(headline));
    await withRows(content, shape, async (rows, typed) => {
      for await (const batch of rows) {
        for (const record of batch) {
          if (skip > 0) {
            skip--;
            continue;
          }
          result.rows_read++;
          const headline = normalizeRecord(record, file, now, typed);
          let waiting: Promise<void> | undefined;
          if (isRowProblem(headline)) {
            waiting = quarantine.add({ line: record.line, raw: record.raw, ...headline });
          } else {
            const firstLine = seenIds.firstLine(headline.id, record.line);
            if (firstLine === undefined) {
              result.rows_valid++;
              waiting = realtime?.takes(headline) ? realtime.add(headline) : sender.add(headline);
            } else {
              const detail = `line ${firstLine} has the same id ${headline.id}`;
              waiting = quarantine.add({ line: record.line, raw: record.raw, field: "id", reason: "duplicate id", detail });
            }
          }
          if (waiting) await waiting;
        }
        await realtime?.flush();
        progress.rows = result.rows_read;
        options.onProgress?.(progress);
      }
      if (result.rows_read === 0 && !options.skipRows) {
        throw new BadInputError("the file has no rows (a header alone, or an empty array)", "drop a file with headline rows");
      }
    });
    await sender.flush();
    await quarantine.close();
    result.rows_realtime = realtime?.landed ?? 0;
    result.realtime_failure = realtime?.failure ?? null;
    result.messages = sender.messagesSent;
    result.rows_quarantined = quarantine.count;
    result.quarantine_reasons = quarantine.reasons;
    await writeIngestRecord(store, {
      file,
      sha256: inspection.sha256,
      rows_read: result.rows_read,
      rows_valid: result.rows_valid,
      rows_quarantined: result.rows_quarantined,
      quarantine_reasons: result.quarantine_reasons,
      rows_realtime: result.rows_realtime,
      duplicate_of: null,
      ingested_at: new Date(now).toISOString(),
      rows_skipped: options.skipRows ?? 0,
    });
    return result;
  } catch (error) {
    if (!(error instanceof BadInputError) || result.rows_read > 0) throw error;
    const badFile = await quarantineFile(store, file, error.message, error.hint ?? "");
    return { ...result, rows_read: 0, rows_valid: 0, rows_quarantined: 0, quarantine_reasons: {}, bad_file: badFile };
  } finally {
    if (claim) await rewriteLock(store, claim, { release: true });
  }
}

type RowSource = AsyncIterable<InputRecord[]>;

/**
 * Runs use over the file's rows, parsed as its shape says. Parquet goes through a temporary file
 * for DuckDB, which is loaded only then: text files never pay for its library.
 */
async function withRows(content: Readable, shape: FileShape, use: (rows: RowSource, typed: boolean) => Promise<void>) {
  if (shape.format === "delimited") return use(parseDelimited(decodeUtf8(content), shape.delimiter), false);
  if (shape.format === "jsonl") return use(parseJsonLines(decodeUtf8(content)), true);
  if (shape.format === "json") return use(parseJsonArray(decodeUtf8(content)), true);
  const { parseParquet } = await import("./parsers/parquet.ts");
  const directory = await makeTemporaryFolder("parquet");
  try {
    const file = path.join(directory, "input.parquet");
    await pipeline(content, createWriteStream(file));
    await use(parseParquet(file), true);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function countBytes(stream: Readable, progress: { bytes: number }): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      progress.bytes += chunk.length;
      done(null, chunk);
    },
  });
  stream.on("error", (error) => counter.destroy(error));
  return stream.pipe(counter);
}
