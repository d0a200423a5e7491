import { z } from "zod";
import type { ObjectStore } from "../ports.ts";
import { ingestRecordKey } from "../lake-keys.ts";

/** `ingest/<sha256>.json`: what the fanout made of one file's content (docs/contracts.md). */
export const IngestRecordSchema = z.object({
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  rows_read: z.number().int().nonnegative(),
  rows_valid: z.number().int().nonnegative(),
  rows_quarantined: z.number().int().nonnegative(),
  quarantine_reasons: z.record(z.string(), z.number().int().positive()),
  /** Valid rows scored in real time; rows_valid − rows_realtime went to the batch path. Absent in records written before it. */
  rows_realtime: z.number().int().nonnegative().default(0),
  duplicate_of: z.string().nullable(),
  ingested_at: z.iso.datetime(),
  /** Rows at the file's start that an earlier version of the same dropped file brought; not in rows_read. */
  rows_skipped: z.number().int().nonnegative().default(0),
});
export type IngestRecord = z.infer<typeof IngestRecordSchema>;

/** The record of an earlier ingest of the same content, if any. */
export async function findIngestRecord(store: ObjectStore, sha256: string): Promise<IngestRecord | undefined> {
  const body = await store.get(ingestRecordKey(sha256));
  return body && IngestRecordSchema.parse(JSON.parse(body.toString("utf8")));
}

export async function writeIngestRecord(store: ObjectStore, record: z.input<typeof IngestRecordSchema>): Promise<void> {
  await store.put(ingestRecordKey(record.sha256), `${JSON.stringify(record, null, 2)}\n`, { contentType: "application/json" });
}
