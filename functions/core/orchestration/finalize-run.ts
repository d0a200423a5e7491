import type { FinalizeRunEvent } from "./events.ts";
import { readManifest, writeManifest, type ManifestShard, type RunManifest } from "./manifest.ts";
import type { ObjectStore } from "../ports.ts";
import { shardState } from "./shard-state.ts";

export interface FinalizeRunResult {
  run_id: string;
  status: RunManifest["status"];
  shards: number;
  shards_failed: number;
  failed_shards: number[];
}

/**
 * The FinalizeRun state: folds the shards' outcomes into the manifest. A shard is succeeded when
 * its checkpoint (_SUCCESS) exists, whatever an earlier attempt recorded, so a replay that
 * finishes it turns the run whole; otherwise it is failed, with the reason the workflow recorded.
 */
export async function finalizeRun(
  store: ObjectStore,
  input: FinalizeRunEvent,
  now: () => Date = () => new Date(),
): Promise<FinalizeRunResult> {
  const manifest = await readManifest(store, input.run_id);
  if (!manifest) throw new Error(`run ${input.run_id} has no manifest; was it sealed in this bucket?`);
  const shards = await Promise.all(manifest.shards.map((shard) => outcomeOf(store, manifest.run_id, shard)));
  const failed = shards.filter((shard) => shard.status === "failed").map((shard) => shard.index);
  const finalized: RunManifest = {
    ...manifest,
    shards,
    status: failed.length === 0 ? "Succeeded" : "PartiallyFailed",
    finished_at: now().toISOString(),
  };
  await writeManifest(store, finalized);
  return {
    run_id: manifest.run_id,
    status: finalized.status,
    shards: shards.length,
    shards_failed: failed.length,
    failed_shards: failed,
  };
}

async function outcomeOf(store: ObjectStore, runId: string, shard: ManifestShard): Promise<ManifestShard> {
  const { state, error } = await shardState(store, runId, shard);
  if (state === "succeeded") return { ...shard, status: "succeeded", error: null };
  return {
    ...shard,
    status: "failed",
    error: error ?? "the workflow recorded neither a checkpoint nor a failure for this shard",
  };
}
