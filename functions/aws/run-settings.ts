import { z } from "zod";
import { CAPACITIES, RunSettingsSchema, type RunSettings } from "../core/orchestration/run-input.ts";

const text = z.string().min(1);
const whole = z.coerce.number().int();
/** The image by digest (repository@sha256:…), so a run runs exactly what was pushed and says which. */
const pinnedImage = z
  .string()
  .regex(
    /@sha256:[0-9a-f]{64}$/,
    'the GPU job image is not pinned by digest: push gpu-job\'s image, then deploy with --param="jobImageDigest=sha256:…" ' +
      "(README, Deploy to AWS)",
  );

/** The environment serverless.yml gives seal and scheduled-seal (contracts.md), numbers as strings. */
const RunEnvironmentSchema = z.object({
  BUCKET: text,
  MAX_CONCURRENCY: whole,
  JOB_IMAGE_URI: pinnedImage,
  JOB_ROLE_ARN: text,
  JOB_INSTANCE_TYPE: text,
  JOB_VOLUME_GB: whole,
  JOB_MAX_RUNTIME_SECONDS: whole,
  JOB_MODEL_S3_URI: text,
  JOB_CHUNK_ROWS: whole,
  JOB_CAPACITY: z.enum(CAPACITIES).default("on-demand"),
  JOB_MAX_WAIT_SECONDS: z.preprocess((v) => (v === "" ? undefined : v), whole.optional()),
  ATHENA_DATABASE: text,
  ATHENA_WORKGROUP: text,
  ATHENA_OUTPUT_LOCATION: text,
});

/** The execution input's settings from a seal function's environment; a missing or bad variable is named. */
export function runSettingsFromEnvironment(env: Record<string, string | undefined> = process.env): RunSettings {
  const parsed = RunEnvironmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`the seal's environment is incomplete (serverless.yml sets it): ${z.prettifyError(parsed.error)}`);
  }
  const e = parsed.data;
  return RunSettingsSchema.parse({
    bucket: e.BUCKET,
    max_concurrency: e.MAX_CONCURRENCY,
    job: {
      image_uri: e.JOB_IMAGE_URI,
      role_arn: e.JOB_ROLE_ARN,
      instance_type: e.JOB_INSTANCE_TYPE,
      volume_gb: e.JOB_VOLUME_GB,
      max_runtime_seconds: e.JOB_MAX_RUNTIME_SECONDS,
      model_s3_uri: e.JOB_MODEL_S3_URI,
      chunk_rows: e.JOB_CHUNK_ROWS,
      capacity: e.JOB_CAPACITY,
      max_wait_seconds: e.JOB_MAX_WAIT_SECONDS,
    },
    athena: { database: e.ATHENA_DATABASE, workgroup: e.ATHENA_WORKGROUP, output_location: e.ATHENA_OUTPUT_LOCATION },
  });
}

const positiveWhole = (name: string, env: Record<string, string | undefined>) =>
  env[name] === undefined || env[name] === "" ? undefined : z.coerce.number().int().positive().parse(env[name]);

/** SHARD_SIZE, when set: a fixed shard size instead of the planner's. */
export const shardSizeFromEnvironment = (env: Record<string, string | undefined> = process.env) => positiveWhole("SHARD_SIZE", env);

/** RUN_DEADLINE_SECONDS, when set: the wall time the planner sizes a sealed run's shards for. */
export const runDeadlineFromEnvironment = (env: Record<string, string | undefined> = process.env) =>
  positiveWhole("RUN_DEADLINE_SECONDS", env);
