import { z } from "zod";
import type { RunManifest } from "./manifest.ts";
import { manifestKey, scoresPrefix } from "../lake-keys.ts";

/** Step Functions' limit on an execution's input (and on any state's input or output). */
export const MAX_EXECUTION_INPUT_BYTES = 256 * 1024;

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

export const RunInputShardSchema = z.object({
  index: z.number().int().nonnegative(),
  shard_id: z.string(),
  shard_key: z.string(),
  scores_prefix: z.string(),
});

/** The execution input of statemachines/pipeline.asl.yaml. */
export const RunInputSchema = RunSettingsSchema.extend({
  run_id: z.string(),
  manifest_key: z.string(),
  shards: z.array(RunInputShardSchema),
});
export type RunInput = z.infer<typeof RunInputSchema>;

/** The input of an execution over the given shards of the run (all of them at seal, the unfinished ones at replay). */
export function runInput(
  manifest: Pick<RunManifest, "run_id"> & { shards: Pick<RunManifest["shards"][number], "index" | "shard_id" | "key">[] },
  settings: RunSettings,
  shardIndexes?: readonly number[],
): RunInput {
  const wanted = shardIndexes === undefined ? undefined : new Set(shardIndexes);
  const input: RunInput = {
    run_id: manifest.run_id,
    manifest_key: manifestKey(manifest.run_id),
    ...settings,
    shards: manifest.shards
      .filter((shard) => wanted === undefined || wanted.has(shard.index))
      .map((shard) => ({
        index: shard.index,
        shard_id: shard.shard_id,
        shard_key: shard.key,
        scores_prefix: scoresPrefix(manifest.run_id, shard.index),
      })),
  };
  const bytes = Buffer.byteLength(JSON.stringify(input));
  if (bytes > MAX_EXECUTION_INPUT_BYTES) {
    throw new Error(
      `run ${manifest.run_id}: the execution input for ${input.shards.length} shards is ${bytes} bytes, ` +
        `over Step Functions' ${MAX_EXECUTION_INPUT_BYTES}; seal with a larger shard size`,
    );
  }
  return input;
}

/** Execution names: the run id for the sealed run, then one per replay (Step Functions allows 80 characters). */
export const executionName = (runId: string, replay: number) => (replay === 0 ? runId : `${runId}-replay-${replay}`);
