import { z } from "zod";
import { scoresPrefix, shardStatusKey, successKey } from "../lake-keys.ts";
import type { ManifestShard } from "./manifest.ts";
import type { ObjectStore } from "../ports.ts";

/** Where a shard stands, read from the lake: its checkpoint, its failure record, its chunks so far. */
export interface ShardState {
  index: number;
  rows: number;
  /** succeeded: _SUCCESS is there (whatever an earlier attempt recorded); failed: the workflow recorded a failure; else unfinished. */
  state: "succeeded" | "failed" | "unfinished";
  /** Checkpoint chunks (part-*.parquet) written so far. */
  chunks: number;
  error: string | null;
}

/** runs/<run_id>/shard-status/<n>.json, written by the workflow's RecordShardFailed state. */
const ShardFailureSchema = z.object({
  index: z.number().int(),
  status: z.literal("failed"),
  error: z.string(),
  cause: z.string().nullish(),
});

export async function shardState(store: ObjectStore, runId: string, shard: Pick<ManifestShard, "index" | "rows">): Promise<ShardState> {
  let chunks = 0;
  for await (const object of store.list(scoresPrefix(runId, shard.index))) {
    if (/\/part-[^/]*\.parquet$/.test(object.key)) chunks++;
  }
  const base = { index: shard.index, rows: shard.rows, chunks };
  if (await store.head(successKey(runId, shard.index))) return { ...base, state: "succeeded", error: null };
  const body = await store.get(shardStatusKey(runId, shard.index));
  if (body === undefined) return { ...base, state: "unfinished", error: null };
  const failure = ShardFailureSchema.safeParse(JSON.parse(body.toString("utf8")));
  const error = failure.success
    ? failureReason(failure.data.error, failure.data.cause)
    : `unreadable failure record: ${z.prettifyError(failure.error)}`;
  return { ...base, state: "failed", error };
}

/**
 * A .sync SageMaker task fails with Cause = the DescribeProcessingJob answer as JSON; its
 * FailureReason is what a person needs. Other causes are kept as they are.
 */
export function failureReason(error: string, cause: string | null | undefined): string {
  if (!cause) return error;
  try {
    const described = JSON.parse(cause) as { FailureReason?: unknown };
    if (typeof described.FailureReason === "string") return `${error}: ${described.FailureReason}`;
  } catch {
    // not JSON: a plain message
  }
  return `${error}: ${cause}`;
}
