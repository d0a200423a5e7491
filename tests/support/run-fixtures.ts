import type { RunManifest } from "../../functions/core/orchestration/manifest.ts";
import type { Headline } from "../../functions/core/headline.ts";
import { ingestRecordKey, pendingSegmentKey } from "../../functions/core/lake-keys.ts";
import type { ObjectStore } from "../../functions/core/ports.ts";
import type { RunSettings } from "../../functions/core/orchestration/run-input.ts";

/** A headline with a readable id; overrides set what a test is about. */
export function headline(id: string, overrides: Partial<Headline> = {}): Headline {
  return {
    id,
    headline: `Gold edges higher as traders weigh headline ${id}`,
    published_at: "2024-03-01T14:30:00.000Z",
    symbols: ["XAUUSD"],
    tagged_symbols: [],
    source: "wire",
    url: null,
    origin: { file: "incoming/drop.csv", line: 2 },
    ...overrides,
  };
}

/** Writes pending/<segmentId>.jsonl as the segment Lambda does. */
export async function putSegment(store: ObjectStore, segmentId: string, headlines: Headline[]): Promise<void> {
  await store.put(pendingSegmentKey(segmentId), headlines.map((h) => JSON.stringify(h)).join("\n") + "\n");
}

/** Writes ingest/<sha256>.json as fanout does. */
export async function putIngestRecord(
  store: ObjectStore,
  record: { file: string; sha256: string; rows_read: number; rows_valid: number; rows_quarantined: number; duplicate_of?: string | null },
): Promise<void> {
  await store.put(
    ingestRecordKey(record.sha256),
    JSON.stringify({ quarantine_reasons: {}, duplicate_of: null, ingested_at: "2024-03-01T15:00:00.000Z", ...record }),
  );
}

/** A gpu-job image named by digest, as the stack names it. */
export const TEST_IMAGE_URI = `123456789012.dkr.ecr.us-east-1.amazonaws.com/goldpipe-scorer@sha256:${"ab".repeat(32)}`;

export const TEST_RUN_SETTINGS: RunSettings = {
  bucket: "goldpipe-test",
  max_concurrency: 2,
  job: {
    image_uri: TEST_IMAGE_URI,
    role_arn: "arn:aws:iam::123456789012:role/goldpipe-job",
    instance_type: "ml.g5.xlarge",
    volume_gb: 30,
    max_runtime_seconds: 3600,
    model_s3_uri: "s3://goldpipe-test/models/gold-headline-sentiment/",
    chunk_rows: 512,
    capacity: "on-demand",
  },
  athena: { database: "goldpipe", workgroup: "goldpipe", output_location: "s3://goldpipe-test/athena/" },
};

/** A freshly sealed run of `shards` shards of two headlines each. */
export function sealedManifest(runId: string, shards: number): RunManifest {
  return {
    run_id: runId,
    created_at: "2024-03-01T16:00:00.000Z",
    trigger: "manual",
    status: "Sealed",
    shard_size: 2,
    segments: ["seg-a"],
    sources: [],
    rows: shards * 2,
    duplicates: 0,
    shards: Array.from({ length: shards }, (_, index) => ({
      index,
      shard_id: `${runId}-${index}`,
      key: `runs/${runId}/shards/${index}.parquet`,
      rows: 2,
      status: "pending" as const,
      error: null,
    })),
    executions: [runId],
    finished_at: null,
  };
}

/** The environment serverless.yml gives the seal and scheduled-seal functions (run settings, shard size). */
export const SEAL_FUNCTION_ENV = {
  BUCKET: "goldpipe-test-lake",
  MAX_CONCURRENCY: "2",
  JOB_IMAGE_URI: TEST_IMAGE_URI,
  JOB_ROLE_ARN: "arn:aws:iam::123456789012:role/goldpipe-job",
  JOB_INSTANCE_TYPE: "ml.g5.xlarge",
  JOB_VOLUME_GB: "30",
  JOB_MAX_RUNTIME_SECONDS: "7200",
  JOB_MODEL_S3_URI: "s3://goldpipe-test-lake/models/current/",
  JOB_CHUNK_ROWS: "4096",
  ATHENA_DATABASE: "goldpipe",
  ATHENA_WORKGROUP: "goldpipe",
  ATHENA_OUTPUT_LOCATION: "s3://goldpipe-test-lake/athena/",
  SHARD_SIZE: "5",
};
