import type { FinalizeRunEvent } from "./events.ts";
import { outcomeOf, readManifest, writeManifest, type ManifestShard, type RunManifest, type RunOutcome } from "./manifest.ts";
import type { ObjectStore } from "../ports.ts";
import { shardState } from "./shard-state.ts";

export interface FinalizeRunResult {
  run_id: string;
  /** What ReportRun will commit the run as, once its curated files and report are written. */
  outcome: RunOutcome;
  shards: number;
  shards_failed: number;
  failed_shards: number[];
}

/**
 * The FinalizeRun state: folds the shards' outcomes into the manifest, and the run is Merging. A
 * shard is succeeded when its checkpoint (_SUCCESS) exists, whatever an earlier attempt recorded,
 * so a replay that finishes it turns the run whole; otherwise it is failed, with the reason the
 * workflow recorded. The run is not Succeeded yet: ReportRun commits it (commitRun).
 */
export async function finalizeRun(store: ObjectStore, input: FinalizeRunEvent): Promise<FinalizeRunResult> {
  const manifest = await readManifest(store, input.run_id);
  if (!manifest) throw new Error(`run ${input.run_id} has no manifest; was it sealed in this bucket?`);
  const shards = await Promise.all(manifest.shards.map((shard) => shardOutcome(store, manifest.run_id, shard)));
  const failed = shards.filter((shard) => shard.status === "failed").map((shard) => shard.index);
  const finalized: RunManifest = { ...manifest, shards, status: "Merging", finished_at: null };
  await writeManifest(store, finalized);
  return {
    run_id: manifest.run_id,
    outcome: outcomeOf(finalized),
    shards: shards.length,
    shards_failed: failed.length,
    failed_shards: failed,
  };
}

/**
 * The run's commit, once ReportRun has written its report after the merge and the partition
 * refresh: the manifest says Succeeded or PartiallyFailed only from here on.
 */
export async function commitRun(store: ObjectStore, runId: string, now: () => Date = () => new Date()): Promise<RunManifest> {
  const manifest = await readManifest(store, runId);
  if (!manifest) throw new Error(`run ${runId} has no manifest; was it sealed in this bucket?`);
  const committed: RunManifest = { ...manifest, status: outcomeOf(manifest), finished_at: now().toISOString() };
  await writeManifest(store, committed);
  return committed;
}

async function shardOutcome(store: ObjectStore, runId: string, shard: ManifestShard): Promise<ManifestShard> {
  const { state, error } = await shardState(store, runId, shard);
  if (state === "succeeded") return { ...shard, status: "succeeded", error: null };
  return {
    ...shard,
    status: "failed",
    error: error ?? "the workflow recorded neither a checkpoint nor a failure for this shard",
  };
}
