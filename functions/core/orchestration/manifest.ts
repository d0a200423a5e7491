import { z } from "zod";
import { manifestKey } from "../lake-keys.ts";
import type { ObjectStore } from "../ports.ts";

export const RUN_TRIGGERS = ["manual", "size", "schedule", "replay"] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/**
 * Sealed: shards written and the workflow started. Merging: FinalizeRun has folded the shards'
 * outcomes in; the curated files, partitions and report are not committed yet. ReportRun, the
 * last step, commits the outcome: Succeeded (every shard scored) or PartiallyFailed (some shards
 * recorded as failed; replay can finish them). Sealed and Merging are unfinished: an execution is
 * at work, or one died and the next `goldpipe run`, `watch` or `replay` resumes the run.
 */
export const RUN_STATUSES = ["Sealed", "Merging", "Succeeded", "PartiallyFailed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type RunOutcome = Extract<RunStatus, "Succeeded" | "PartiallyFailed">;

export const isUnfinished = (manifest: Pick<RunManifest, "status">) => manifest.status === "Sealed" || manifest.status === "Merging";

/** What the run comes to once committed: Succeeded unless some shard failed. */
export const outcomeOf = (manifest: Pick<RunManifest, "shards">): RunOutcome =>
  manifest.shards.some((shard) => shard.status === "failed") ? "PartiallyFailed" : "Succeeded";

export const SHARD_STATUSES = ["pending", "succeeded", "failed"] as const;

/** The ingest record (ingest/<sha256>.json) of a file whose headlines are in the run. */
export const RunSourceSchema = z.object({
  file: z.string(),
  sha256: z.string(),
  rows_read: z.number().int().nonnegative(),
  rows_valid: z.number().int().nonnegative(),
  rows_quarantined: z.number().int().nonnegative(),
  /** Valid rows scored in real time rather than in this run (absent in manifests written before it). */
  rows_realtime: z.number().int().nonnegative().default(0),
});
export type RunSource = z.infer<typeof RunSourceSchema>;

export const ManifestShardSchema = z.object({
  index: z.number().int().nonnegative(),
  shard_id: z.string(),
  key: z.string(),
  rows: z.number().int().positive(),
  status: z.enum(SHARD_STATUSES),
  error: z.string().nullable(),
});
export type ManifestShard = z.infer<typeof ManifestShardSchema>;

/** runs/<run_id>/manifest.json */
export const RunManifestSchema = z.object({
  run_id: z.string().min(1),
  created_at: z.iso.datetime(),
  trigger: z.enum(RUN_TRIGGERS),
  status: z.enum(RUN_STATUSES),
  shard_size: z.number().int().positive(),
  /** The pending segment ids sealed into this run (their keys are pendingSegmentKey(id)). */
  segments: z.array(z.string()),
  sources: z.array(RunSourceSchema),
  /** Rows in the shards, after duplicates were dropped. */
  rows: z.number().int().nonnegative(),
  /** Headlines whose id was already in the run when sealing: dropped, counted here. */
  duplicates: z.number().int().nonnegative(),
  shards: z.array(ManifestShardSchema),
  /** Workflow execution names, first the seal's, then one per replay. */
  executions: z.array(z.string()),
  finished_at: z.iso.datetime().nullable(),
});
export type RunManifest = z.infer<typeof RunManifestSchema>;

export async function readManifest(store: ObjectStore, runId: string): Promise<RunManifest | undefined> {
  const body = await store.get(manifestKey(runId));
  if (body === undefined) return undefined;
  const parsed = RunManifestSchema.safeParse(JSON.parse(body.toString("utf8")));
  if (!parsed.success) {
    throw new Error(`${manifestKey(runId)} is not a run manifest: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

export async function writeManifest(store: ObjectStore, manifest: RunManifest): Promise<void> {
  await store.put(manifestKey(manifest.run_id), JSON.stringify(RunManifestSchema.parse(manifest), null, 2), {
    contentType: "application/json",
  });
}
