import middy from "@middy/core";
import { z } from "zod";
import { awsAdapters } from "./aws/adapters.ts";
import { mergeRun } from "./core/lake/merge.ts";
import type { MergeResult } from "./core/lake/merge-result.ts";
import type { ObjectStore } from "./core/ports.ts";

/** DuckDB's share of the function's memory; past it, the merge spills to /tmp. The rest is Node's and DuckDB's own. */
const DUCKDB_SHARE_OF_MEMORY = 0.6;

/** The MergeRun state's input. */
export const MergeEventSchema = z.object({ run_id: z.string().min(1) });

/** Merges the run's scored chunks into the curated table; the bucket and the stage's Glue database come from the environment. */
export async function mergeFromEvent(
  ports: { store: ObjectStore },
  event: unknown,
  env: Record<string, string | undefined>,
): Promise<MergeResult> {
  const { run_id } = MergeEventSchema.parse(event);
  const memoryMb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return mergeRun(run_id, {
    store: ports.store,
    bucket: env.BUCKET,
    database: env.ATHENA_DATABASE,
    memoryLimitMb: memoryMb > 0 ? memoryMb * DUCKDB_SHARE_OF_MEMORY : undefined,
  });
}

/** `{run_id}` → the merge result, whose refresh_statements the workflow's RefreshPartitions runs on Athena. */
export const handler = middy().handler(async (event: unknown) => mergeFromEvent(awsAdapters(), event, process.env));
