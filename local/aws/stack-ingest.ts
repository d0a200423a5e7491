import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import path from "node:path";
import { PassThrough, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { z } from "zod";
import type { FileIngestResult } from "../../functions/core/ingest/fanout.ts";
import { findIngestRecord } from "../../functions/core/ingest/ingest-record.ts";
import { newDropKey } from "../../functions/core/ingest/drop-key.ts";
import { quarantineReasonKey } from "../../functions/core/lake-keys.ts";
import type { ObjectStore } from "../../functions/core/ports.ts";

/** A file put under incoming/ of a deployed stack's lake. */
export interface DroppedFile {
  path: string;
  key: string;
  sha256: string;
  /** When S3 stored it (S3's clock, the one the fanout's records are compared with). */
  droppedAt: Date;
}

/** The stack's fanout's answer for a dropped file: what `goldpipe ingest` prints for a local one. */
export type StackIngestResult = Omit<FileIngestResult, "messages" | "realtime_failure"> & { path: string; error: null };

/** Uploads a file under a key of its own (incoming/<drop_id>/<its name>), hashing it on the way: S3 then tells the fanout. */
export async function dropFile(store: ObjectStore, filePath: string): Promise<DroppedFile> {
  const key = newDropKey(path.basename(filePath));
  const hash = createHash("sha256");
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const body = new PassThrough();
  const upload = store.put(key, body).catch((error: unknown) => {
    body.destroy(error as Error);
    throw error;
  });
  await Promise.all([pipeline(createReadStream(filePath), hashing, body), upload]);
  const stored = await store.head(key);
  if (!stored) throw new Error(`${key} is not in the lake right after its upload`);
  return { path: filePath, key, sha256: hash.digest("hex"), droppedAt: stored.lastModified };
}

export interface AwaitOptions {
  /** Give up after this long (the fanout has 15 minutes per file). */
  timeoutMs?: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const QuarantinedFileSchema = z.object({ file: z.string(), reason: z.string(), detail: z.string() });

/**
 * Waits for the fanout's record of a dropped file: its ingest record (`ingest/<sha256>.json`), or
 * the reason it was moved to quarantine whole. A record older than the drop means the same content
 * was ingested before: the fanout sends nothing again, and the answer says which file it was.
 */
export async function awaitFanout(store: ObjectStore, dropped: DroppedFile, options: AwaitOptions = {}): Promise<StackIngestResult> {
  const { timeoutMs = 16 * 60_000, pollMs = 2000, sleep = defaultSleep, now = Date.now } = options;
  const deadline = now() + timeoutMs;
  const answer = { path: dropped.path, file: dropped.key, sha256: dropped.sha256, error: null } as const;
  const nothing = { rows_read: 0, rows_valid: 0, rows_quarantined: 0, quarantine_reasons: {}, rows_realtime: 0 };
  for (;;) {
    const record = await findIngestRecord(store, dropped.sha256);
    if (record && Date.parse(record.ingested_at) < dropped.droppedAt.getTime()) {
      return { ...answer, ...nothing, duplicate_of: record.file, bad_file: null };
    }
    if (record) {
      const { rows_read, rows_valid, rows_quarantined, quarantine_reasons, rows_realtime } = record;
      return { ...answer, rows_read, rows_valid, rows_quarantined, quarantine_reasons, rows_realtime, duplicate_of: null, bad_file: null };
    }
    const reasonKey = quarantineReasonKey(dropped.key);
    const reasonInfo = await store.head(reasonKey);
    if (reasonInfo && reasonInfo.lastModified >= dropped.droppedAt) {
      const body = await store.get(reasonKey);
      const badFile = QuarantinedFileSchema.parse(JSON.parse(body!.toString("utf8")));
      return { ...answer, ...nothing, duplicate_of: null, bad_file: badFile };
    }
    if (now() >= deadline) {
      throw new Error(
        `the stack's fanout has not answered for ${dropped.key} in ${Math.round(timeoutMs / 60_000)} min: ` +
          "look for its message in the uploads dead-letter queue and at the fanout function's logs",
      );
    }
    await sleep(pollMs);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
