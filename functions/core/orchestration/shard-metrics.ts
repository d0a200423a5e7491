import { z } from "zod";
import { shardMetricsKey } from "../lake-keys.ts";
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
