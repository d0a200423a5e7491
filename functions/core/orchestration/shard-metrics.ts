import { z } from "zod";
import { shardBillingKey, shardMetricsKey } from "../lake-keys.ts";
import type { ObjectStore } from "../ports.ts";

/** runs/<run_id>/scores/<n>/metrics.json, written by the GPU job beside _SUCCESS (contracts.md). */
export const ShardMetricsSchema = z.looseObject({
  rows: z.number().int().nonnegative(),
  rows_skipped_resumed: z.number().int().nonnegative(),
  rows_unscorable: z.number().int().nonnegative(),
  seconds: z.number().nonnegative(),
  model_load_seconds: z.number().nonnegative().optional(),
  headlines_per_second: z.number().nonnegative(),
  device: z.string(),
  dtype: z.string(),
  model: z.string(),
  /** Mean GPU utilization over the job's GPUs; null on a CPU (absent from jobs older than the field). */
  gpu_utilization_percent: z.number().min(0).max(100).nullable().optional(),
});
export type ShardMetrics = z.infer<typeof ShardMetricsSchema>;

/** The shard's job metrics, or undefined when the shard has none (it failed, or never ran). */
export async function readShardMetrics(store: ObjectStore, runId: string, index: number): Promise<ShardMetrics | undefined> {
  const key = shardMetricsKey(runId, index);
  const body = await store.get(key);
  if (body === undefined) return undefined;
  const parsed = ShardMetricsSchema.safeParse(JSON.parse(body.toString("utf8")));
  if (!parsed.success) throw new Error(`${key} is not the GPU job's metrics: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** runs/<run_id>/shard-billing/<n>.json, written by the workflow's RecordSpotBilling for a spot shard (contracts.md). */
export const ShardBillingSchema = z.looseObject({
  index: z.number().int().nonnegative(),
  capacity: z.literal("spot"),
  job_name: z.string(),
  training_seconds: z.number().nonnegative(),
  billable_seconds: z.number().nonnegative(),
});
export type ShardBilling = z.infer<typeof ShardBillingSchema>;

/** The spot shard's billing record, or undefined when there is none (an on-demand shard, or one not scored). */
export async function readShardBilling(store: ObjectStore, runId: string, index: number): Promise<ShardBilling | undefined> {
  const key = shardBillingKey(runId, index);
  const body = await store.get(key);
  if (body === undefined) return undefined;
  const parsed = ShardBillingSchema.safeParse(JSON.parse(body.toString("utf8")));
  if (!parsed.success) throw new Error(`${key} is not a spot job's billing record: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
