import { shardMetricsKey } from "../../functions/core/lake-keys.ts";
import { writeManifest, type RunManifest } from "../../functions/core/orchestration/manifest.ts";
import type { MergeResult } from "../../functions/core/lake/merge-result.ts";
import type { MetricDatum, Metrics, ObjectStore } from "../../functions/core/ports.ts";
import { sealedManifest } from "./run-fixtures.ts";

/** A Metrics port that keeps what it is given. */
export function recordingMetrics(): Metrics & { data: MetricDatum[] } {
  const data: MetricDatum[] = [];
  return { data, put: async (batch) => void data.push(...batch) };
}

/**
 * Run "run-r" after FinalizeRun: three shards of two headlines from two dropped files (15 rows
 * read, 1 quarantined), shards 0 and 1 scored by jobs of 2 s each (plus 1 s loading the model),
 * shard 2 failed on capacity.
 */
export async function putFinishedRun(store: ObjectStore): Promise<{ manifest: RunManifest; merge: MergeResult }> {
  const sealed = sealedManifest("run-r", 3);
  const manifest: RunManifest = {
    ...sealed,
    status: "PartiallyFailed",
    sources: [
      { file: "incoming/a.csv", sha256: "a".repeat(64), rows_read: 10, rows_valid: 9, rows_quarantined: 1, rows_realtime: 0 },
      { file: "incoming/b.jsonl", sha256: "b".repeat(64), rows_read: 5, rows_valid: 5, rows_quarantined: 0, rows_realtime: 0 },
    ],
    rows: 6,
    duplicates: 8,
    shards: sealed.shards.map((shard) =>
      shard.index === 2
        ? { ...shard, status: "failed", error: "ResourceLimitExceeded: the account-level service limit for ml.g5.xlarge is 1 instance" }
        : { ...shard, status: "succeeded" },
    ),
    finished_at: "2024-03-01T16:09:00.000Z",
  };
  await writeManifest(store, manifest);
  for (const index of [0, 1]) {
    const metrics = {
      rows: 2,
      rows_skipped_resumed: 0,
      rows_unscorable: index,
      seconds: 2,
      model_load_seconds: 1,
      headlines_per_second: 1,
      device: "cuda",
      dtype: "bfloat16",
      model: "starter",
    };
    await store.put(shardMetricsKey("run-r", index), JSON.stringify(metrics));
  }
  const merge: MergeResult = {
    run_id: "run-r",
    rows_scored: 3,
    rows_curated: 2,
    duplicates: 1,
    partitions: [{ year: 2024, month: 3, day: 1 }],
    refresh_statements: ["runs/run-r/refresh/0.sql"],
    seconds: 0.5,
  };
  return { manifest, merge };
}
