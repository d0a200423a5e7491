import { createHash } from "node:crypto";
import { z } from "zod";
import { IngestRecordSchema } from "../ingest/ingest-record.ts";
import { INGEST_PREFIX, PENDING_PREFIX } from "../lake-keys.ts";
import { readManifest, writeManifest, type RunManifest, type RunSource, type RunTrigger } from "./manifest.ts";
import type { ObjectStore, Workflow } from "../ports.ts";
import { executionName, startRunExecution, type RunSettings } from "./run-input.ts";
import { writeShards } from "./shards.ts";

/** Headlines per shard unless the caller says otherwise: a few minutes of GPU time beside a job's start-up. */
export const DEFAULT_SHARD_SIZE = 4000;

export interface SealRequest {
  trigger: Exclude<RunTrigger, "replay">;
  settings: RunSettings;
  shardSize?: number;
  /**
   * Dropped files known to belong to this run beyond those its headlines come from (a file whose
   * rows were all quarantined has none): their ingest records join the manifest's sources.
   */
  files?: readonly string[];
  now?: () => Date;
}

export type SealResult =
  | { sealed: true; run_id: string; execution_id: string; already_started: boolean; shards: number; rows: number }
  | { sealed: false; reason: string };

const SEGMENT_SUFFIX = ".jsonl";

/** GOLDPIPE_SHARD_ID of a shard: the shard_id column of its scored rows. */
export const shardIdFor = (runId: string, index: number) => `${runId}-${index}`;

/** A run id that only depends on which segments it seals: sealing them again finds the same run. */
export function runIdFor(segmentIds: readonly string[]): string {
  const digest = createHash("sha256")
    .update([...segmentIds].sort().join("\n"))
    .digest("hex");
  return `run-${digest.slice(0, 16)}`;
}

/**
 * Seals every pending segment into a run: shards, manifest, then the workflow. The run id comes
 * from the segments, so a seal that is repeated (a retried Lambda, a crash before the segments
 * were removed) finds the manifest already written and starts nothing new: the workflow port
 * answers alreadyStarted for the same execution name. Segments leave pending/ only after the
 * manifest is written and the execution started.
 */
export async function sealPending(ports: { store: ObjectStore; workflow: Workflow }, request: SealRequest): Promise<SealResult> {
  const { store } = ports;
  const segmentKeys: string[] = [];
  for await (const object of store.list(PENDING_PREFIX)) {
    if (object.key.endsWith(SEGMENT_SUFFIX)) segmentKeys.push(object.key);
  }
  if (segmentKeys.length === 0) return { sealed: false, reason: "no pending headlines to seal" };

  const segmentIds = segmentKeys.map((key) => key.slice(PENDING_PREFIX.length, -SEGMENT_SUFFIX.length)).sort();
  const runId = runIdFor(segmentIds);
  const manifest = (await readManifest(store, runId)) ?? (await sealNewRun(store, runId, segmentKeys, segmentIds, request));

  const started = await startRunExecution(ports, manifest, request.settings, executionName(runId, 0));
  await Promise.all(segmentKeys.map((key) => store.delete(key)));
  return {
    sealed: true,
    run_id: runId,
    execution_id: started.executionId,
    already_started: started.alreadyStarted,
    shards: manifest.shards.length,
    rows: manifest.rows,
  };
}

async function sealNewRun(
  store: ObjectStore,
  runId: string,
  segmentKeys: readonly string[],
  segmentIds: readonly string[],
  request: SealRequest,
): Promise<RunManifest> {
  const shardSize = request.shardSize ?? DEFAULT_SHARD_SIZE;
  if (!Number.isInteger(shardSize) || shardSize < 1) {
    throw new Error(`shard size must be a positive whole number of headlines, not ${shardSize}`);
  }
  const written = await writeShards(store, runId, segmentKeys, shardSize);
  const manifest: RunManifest = {
    run_id: runId,
    created_at: (request.now?.() ?? new Date()).toISOString(),
    trigger: request.trigger,
    status: "Sealed",
    shard_size: shardSize,
    segments: [...segmentIds],
    sources: await ingestRecordsOf(store, new Set([...written.files, ...(request.files ?? [])])),
    rows: written.rows,
    duplicates: written.duplicates,
    shards: written.shards.map((shard) => ({
      index: shard.index,
      shard_id: shardIdFor(runId, shard.index),
      key: shard.key,
      rows: shard.rows,
      status: "pending",
      error: null,
    })),
    executions: [executionName(runId, 0)],
    finished_at: null,
  };
  await writeManifest(store, manifest);
  return manifest;
}

/** The ingest records (ingest/<sha256>.json) of the given files; a file dropped again (duplicate_of) adds no rows. */
async function ingestRecordsOf(store: ObjectStore, files: ReadonlySet<string>): Promise<RunSource[]> {
  const sources: RunSource[] = [];
  for await (const object of store.list(INGEST_PREFIX)) {
    const body = await store.get(object.key);
    if (body === undefined) continue;
    const parsed = IngestRecordSchema.safeParse(JSON.parse(body.toString("utf8")));
    if (!parsed.success) throw new Error(`${object.key} is not an ingest record: ${z.prettifyError(parsed.error)}`);
    const record = parsed.data;
    if (files.has(record.file) && record.duplicate_of === null) {
      const { file, sha256, rows_read, rows_valid, rows_quarantined } = record;
      sources.push({ file, sha256, rows_read, rows_valid, rows_quarantined });
    }
  }
  return sources.sort((a, b) => a.file.localeCompare(b.file));
}
