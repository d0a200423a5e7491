import { z } from "zod";
import type { RunManifest } from "./manifest.ts";
import { manifestKey, scoresPrefix, shardListKey } from "../lake-keys.ts";
import type { ObjectStore } from "../ports.ts";

/**
 * SageMaker Processing's hard limit on a job's MaxRuntimeInSeconds is 5 days; ScoreShard's TimeoutSeconds sits above it
 * (and a spot job's wait within it).
 */
const MAX_JOB_RUNTIME_SECONDS = 5 * 24 * 3600;

/** On-demand: a SageMaker Processing job per shard. Spot: the same container as a managed-spot Training job. */
export const CAPACITIES = ["on-demand", "spot"] as const;
export type Capacity = (typeof CAPACITIES)[number];

/** How each shard's GPU job runs (contracts.md, "The workflow"). */
export const JobSettingsSchema = z
  .object({
    image_uri: z.string().min(1),
    role_arn: z.string().min(1),
    instance_type: z.string().min(1),
    volume_gb: z.number().int().min(1),
    max_runtime_seconds: z.number().int().min(60).max(MAX_JOB_RUNTIME_SECONDS),
    model_s3_uri: z.string().min(1),
    chunk_rows: z.number().int().positive(),
    capacity: z.enum(CAPACITIES).default("on-demand"),
    /** Spot only: MaxWaitTimeInSeconds, waiting for spot capacity and interruptions included; at least max_runtime_seconds. */
    max_wait_seconds: z.number().int().min(60).max(MAX_JOB_RUNTIME_SECONDS).optional(),
  })
  .check((ctx) => {
    const job = ctx.value;
    if (job.capacity === "spot" && (job.max_wait_seconds === undefined || job.max_wait_seconds < job.max_runtime_seconds)) {
      ctx.issues.push({
        code: "custom",
        path: ["max_wait_seconds"],
        input: job.max_wait_seconds,
        message: `spot capacity needs max_wait_seconds of at least max_runtime_seconds (${job.max_runtime_seconds})`,
      });
    }
  });
export type JobSettings = z.infer<typeof JobSettingsSchema>;

export const AthenaSettingsSchema = z.object({
  database: z.string().min(1),
  workgroup: z.string().min(1),
  output_location: z.string().min(1),
});

/** Everything in a run's execution input that does not come from its manifest. */
export const RunSettingsSchema = z.object({
  bucket: z.string().min(1),
  /** Shards scored at once: the account's GPU instance quota for processing jobs. */
  max_concurrency: z.number().int().min(1).max(40),
  job: JobSettingsSchema,
  athena: AthenaSettingsSchema,
});
export type RunSettings = z.infer<typeof RunSettingsSchema>;

/** One item of an execution's shard list: what the workflow's Map hands each shard's iteration. */
export const ShardItemSchema = z.object({
  index: z.number().int().nonnegative(),
  shard_id: z.string(),
  shard_key: z.string(),
  scores_prefix: z.string(),
});
export type ShardItem = z.infer<typeof ShardItemSchema>;

/**
 * The execution input of statemachines/pipeline.asl.yaml. The shards are not in it: the Map reads
 * them from the lake (shard_list_key), so the input stays a few hundred bytes for any number of
 * shards, far under Step Functions' 256 KiB.
 */
export const RunInputSchema = RunSettingsSchema.extend({
  run_id: z.string(),
  manifest_key: z.string(),
  shard_list_key: z.string(),
});
export type RunInput = z.infer<typeof RunInputSchema>;

type ManifestShards = Pick<RunManifest, "run_id"> & { shards: Pick<RunManifest["shards"][number], "index" | "shard_id" | "key">[] };

/** The shard list of an execution over the given shards of the run (all of them by default). */
export function shardItems(manifest: ManifestShards, shardIndexes?: readonly number[]): ShardItem[] {
  const wanted = shardIndexes === undefined ? undefined : new Set(shardIndexes);
  return manifest.shards
    .filter((shard) => wanted === undefined || wanted.has(shard.index))
    .map((shard) => ({
      index: shard.index,
      shard_id: shard.shard_id,
      shard_key: shard.key,
      scores_prefix: scoresPrefix(manifest.run_id, shard.index),
    }));
}

/**
 * The execution `name` of a run over the given shards (all of them at seal, the unfinished ones at
 * replay): writes its shard list to the lake, where the workflow's Map reads it, and answers what
 * the workflow is started with. Repeated for the same name, it writes the same list.
 */
export async function prepareRunExecution(
  store: ObjectStore,
  manifest: ManifestShards,
  settings: RunSettings,
  name: string,
  shardIndexes?: readonly number[],
): Promise<{ name: string; input: RunInput }> {
  const listKey = shardListKey(manifest.run_id, name);
  await store.put(listKey, JSON.stringify(shardItems(manifest, shardIndexes)), { contentType: "application/json" });
  return { name, input: { run_id: manifest.run_id, manifest_key: manifestKey(manifest.run_id), shard_list_key: listKey, ...settings } };
}

/** Execution names: the run id for the sealed run, then one per replay (Step Functions allows 80 characters). */
export const executionName = (runId: string, replay: number) => (replay === 0 ? runId : `${runId}-replay-${replay}`);
