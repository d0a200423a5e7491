import { describe, expect, it } from "vitest";
import { runSettingsFromEnvironment, shardSizeFromEnvironment } from "../../../../functions/aws/run-settings.ts";

const env = {
  BUCKET: "goldpipe-prod-lake",
  MAX_CONCURRENCY: "8",
  JOB_IMAGE_URI: `123456789012.dkr.ecr.us-east-1.amazonaws.com/goldpipe-scorer@sha256:${"ab".repeat(32)}`,
  JOB_ROLE_ARN: "arn:aws:iam::123456789012:role/goldpipe-job",
  JOB_INSTANCE_TYPE: "ml.g5.xlarge",
  JOB_VOLUME_GB: "30",
  JOB_MAX_RUNTIME_SECONDS: "7200",
  JOB_MODEL_S3_URI: "s3://goldpipe-prod-lake/models/gold-headline-sentiment/",
  JOB_CHUNK_ROWS: "4096",
  ATHENA_DATABASE: "goldpipe_prod",
  ATHENA_WORKGROUP: "goldpipe-prod",
  ATHENA_OUTPUT_LOCATION: "s3://goldpipe-prod-lake/athena/",
};

describe("runSettingsFromEnvironment", () => {
  it("builds the execution input's settings, numbers parsed", () => {
    expect(runSettingsFromEnvironment(env)).toEqual({
      bucket: "goldpipe-prod-lake",
      max_concurrency: 8,
      job: {
        image_uri: env.JOB_IMAGE_URI,
        role_arn: env.JOB_ROLE_ARN,
        instance_type: "ml.g5.xlarge",
        volume_gb: 30,
        max_runtime_seconds: 7200,
        model_s3_uri: env.JOB_MODEL_S3_URI,
        chunk_rows: 4096,
        capacity: "on-demand",
      },
      athena: { database: "goldpipe_prod", workgroup: "goldpipe-prod", output_location: "s3://goldpipe-prod-lake/athena/" },
    });
  });

  it("reads spot capacity and its wait, and refuses spot without a wait as long as the job's runtime", () => {
    const spot = runSettingsFromEnvironment({ ...env, JOB_CAPACITY: "spot", JOB_MAX_WAIT_SECONDS: "14400" });
    expect(spot.job).toMatchObject({ capacity: "spot", max_wait_seconds: 14400 });
    expect(() => runSettingsFromEnvironment({ ...env, JOB_CAPACITY: "spot", JOB_MAX_WAIT_SECONDS: "" })).toThrow(/max_wait_seconds/);
    expect(() => runSettingsFromEnvironment({ ...env, JOB_CAPACITY: "spot", JOB_MAX_WAIT_SECONDS: "600" })).toThrow(
      /spot capacity needs max_wait_seconds of at least max_runtime_seconds \(7200\)/,
    );
    expect(() => runSettingsFromEnvironment({ ...env, JOB_CAPACITY: "reserved" })).toThrow(/JOB_CAPACITY/);
  });

  it("names what is missing or wrong", () => {
    const { JOB_ROLE_ARN: _, ...missing } = env;
    expect(() => runSettingsFromEnvironment(missing)).toThrow(/JOB_ROLE_ARN/);
    expect(() => runSettingsFromEnvironment({ ...env, MAX_CONCURRENCY: "many" })).toThrow(/MAX_CONCURRENCY/);
    expect(() => runSettingsFromEnvironment({ ...env, MAX_CONCURRENCY: "100" })).toThrow(/max_concurrency/);
  });

  it("refuses an image named by tag, or by no digest at all (a stage deployed before its image was pushed)", () => {
    const repository = "123456789012.dkr.ecr.us-east-1.amazonaws.com/goldpipe-dev-gpu-job";
    for (const image of [`${repository}:latest`, `${repository}:v1`, `${repository}@`]) {
      expect(() => runSettingsFromEnvironment({ ...env, JOB_IMAGE_URI: image })).toThrow(/not pinned by digest: .*jobImageDigest=sha256:/);
    }
  });
});

describe("shardSizeFromEnvironment", () => {
  it("is the seal's default when unset, a positive number otherwise", () => {
    expect(shardSizeFromEnvironment({})).toBeUndefined();
    expect(shardSizeFromEnvironment({ SHARD_SIZE: "2500" })).toBe(2500);
    expect(() => shardSizeFromEnvironment({ SHARD_SIZE: "-1" })).toThrow();
  });
});
