import { createHash } from "node:crypto";
import { z } from "zod";
import { IngestRecordSchema } from "../ingest/ingest-record.ts";
import { INGEST_PREFIX, PENDING_PREFIX, pendingSegmentKey, shardKey } from "../lake-keys.ts";
import { describeLock, rewriteLock, waitForLock, type LockRecord } from "./lock.ts";
import { readManifest, writeManifest, type RunManifest, type RunSource, type RunTrigger } from "./manifest.ts";
import type { ObjectStore } from "../ports.ts";
import { executionName, prepareRunExecution, type RunSettings } from "./run-input.ts";
import { ownerOf, SEAL_LOCK, startRunExecution, type LockingPorts } from "./run-lock.ts";
import { writeShards } from "./shards.ts";
import { plannedShardSize } from "../planning/plan.ts";

/**
 * Headlines per shard when neither the caller nor the planner (for an instance type without
 * throughput figures, such as the local runtime's) decides it.
 */
export const DEFAULT_SHARD_SIZE = 4000;

export interface SealRequest {
  trigger: Exclude<RunTrigger, "replay">;
  settings: RunSettings;
  /** Headlines per shard; by default the planner's for the run's instance type, quota and deadline. */
  shardSize?: number;
  /** The wall time the run should take: the planner uses more instances (within max_concurrency) to meet it. */
  deadlineSeconds?: number;
  /**
   * Dropped files known to belong to this run beyond those its headlines come from (a file whose
   * rows were all quarantined has none): their ingest records join the manifest's sources.
   */
  files?: readonly string[];
  now?: () => Date;
  /** How long to wait for a seal in progress elsewhere to end (default: not at all), and who hears about the wait. */
  wait?: { timeoutMs: number; onWait?: (holder: string) => void };
}

/**
 * sealed: the run and the execution executing it (`already_started` when that execution was there
 * before this seal). Not sealed: why; `busy` names the seal in progress elsewhere when that is why.
 */
export type SealResult =
  | { sealed: true; run_id: string; execution_id: string; already_started: boolean; shards: number; rows: number }
  | { sealed: false; reason: string; busy?: string };

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
 * Seals every pending segment into a run: shards, manifest, then the workflow. One seal at a time,
 * wherever it runs: the seal lock is taken first, and a seal that finds it held says so and seals
 * nothing. The run id comes from the segments, so a seal that is repeated (a retried Lambda, a
 * crash before the segments were removed) finds the manifest already written and starts nothing
 * new. Segments leave pending/ only after the manifest is written and the execution started; a seal
 * that takes over the lock of one that died first removes the segments that one had sealed.
 */
export async function sealPending(ports: LockingPorts, request: SealRequest): Promise<SealResult> {
  const { store } = ports;
  const attempt = await waitForLock(store, SEAL_LOCK, ownerOf(ports), {
    timeoutMs: request.wait?.timeoutMs ?? 0,
    onWait: (heldBy) => request.wait?.onWait?.(describeLock(heldBy)),
  });
  if (!attempt.acquired) {
    const busy = describeLock(attempt.heldBy);
    return { sealed: false, reason: `another seal is in progress: ${busy}`, busy };
  }
  try {
    if (attempt.tookOver) await clearSegmentsOfInterruptedSeal(store, attempt.tookOver);
    return await sealUnderLock(ports, attempt.lock, request);
  } finally {
    await rewriteLock(store, attempt.lock, { release: true });
  }
}

async function sealUnderLock(ports: LockingPorts, lock: LockRecord, request: SealRequest): Promise<SealResult> {
  const { store } = ports;
  const segmentKeys: string[] = [];
  for await (const object of store.list(PENDING_PREFIX)) {
    if (object.key.endsWith(SEGMENT_SUFFIX)) segmentKeys.push(object.key);
  }
  if (segmentKeys.length === 0) return { sealed: false, reason: "no pending headlines to seal" };

  const segmentIds = segmentKeys.map((key) => key.slice(PENDING_PREFIX.length, -SEGMENT_SUFFIX.length)).sort();
  const runId = runIdFor(segmentIds);
  if (!(await rewriteLock(store, lock, { runId }))) throw new Error("the seal lock was taken over while sealing; seal again");
  const manifest = (await readManifest(store, runId)) ?? (await sealNewRun(store, runId, segmentKeys, segmentIds, request));

  const start = await startRunExecution(ports, {
    runId,
    prepare: () => prepareRunExecution(store, manifest, request.settings, executionName(runId, 0)),
  });
  await Promise.all(segmentKeys.map((key) => store.delete(key)));
  return {
    sealed: true,
    run_id: runId,
    execution_id: start.started ? start.executionId : (start.heldBy.holder.execution ?? start.heldBy.holder.name),
    already_started: !start.started || start.alreadyStarted,
    shards: manifest.shards.length,
    rows: manifest.rows,
  };
}

/**
 * A seal that died after writing its run's manifest left that run's segments in pending/, where the
 * next seal would take them into a second run: they are removed, since the manifest holds them.
 */
async function clearSegmentsOfInterruptedSeal(store: ObjectStore, interrupted: LockRecord): Promise<void> {
  if (interrupted.run_id === null) return;
  const manifest = await readManifest(store, interrupted.run_id);
  if (!manifest) return;
  await Promise.all(manifest.segments.map((id) => store.delete(pendingSegmentKey(id))));
}

async function sealNewRun(
  store: ObjectStore,
  runId: string,
  segmentKeys: readonly string[],
  segmentIds: readonly string[],
  request: SealRequest,
): Promise<RunManifest> {
  const { job, max_concurrency: quota } = request.settings;
  const shardSize =
    request.shardSize ??
    ((rows: number) =>
      plannedShardSize(
        rows,
        {
          instance_type: job.instance_type,
          quota,
          max_runtime_seconds: job.max_runtime_seconds,
          deadline_seconds: request.deadlineSeconds,
        },
        DEFAULT_SHARD_SIZE,
      ));
  const written = await writeShards(store, runId, segmentKeys, shardSize);
  const manifest: RunManifest = {
    run_id: runId,
    created_at: (request.now?.() ?? new Date()).toISOString(),
    trigger: request.trigger,
    status: "Sealed",
    shard_size: written.shardSize,
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
      const { file, sha256, rows_read, rows_valid, rows_quarantined, rows_realtime } = record;
      sources.push({ file, sha256, rows_read, rows_valid, rows_quarantined, rows_realtime });
    }
  }
  return sources.sort((a, b) => a.file.localeCompare(b.file));
}
