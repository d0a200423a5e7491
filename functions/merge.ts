import { awsAdapters } from "./aws/adapters.ts";
import { lambdaHandler } from "./aws/lambda-handler.ts";
import { packagedTableDefinition } from "./aws/table-definition.ts";
import { MergeEventSchema, type MergeEvent } from "./core/lake/events.ts";
import type { TableDefinition } from "./core/lake/lake-table.ts";
import { mergeRun } from "./core/lake/merge.ts";
import type { MergeResult } from "./core/lake/merge-result.ts";
import type { ObjectStore } from "./core/ports.ts";

/** DuckDB's share of the function's memory; past it, the merge spills to /tmp. The rest is Node's and DuckDB's own. */
const DUCKDB_SHARE_OF_MEMORY = 0.6;

/** Merges the run's scored chunks into the curated table; the bucket and the stage's Glue database come from the environment. */
export async function mergeFromEvent(
  ports: { store: ObjectStore; table: TableDefinition },
  event: MergeEvent,
  env: Record<string, string | undefined>,
): Promise<MergeResult> {
  const memoryMb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  return mergeRun(event.run_id, {
    store: ports.store,
    table: ports.table,
    bucket: env.BUCKET,
    database: env.ATHENA_DATABASE,
    memoryLimitMb: memoryMb > 0 ? memoryMb * DUCKDB_SHARE_OF_MEMORY : undefined,
  });
}

/** `{run_id}` → the merge result, whose refresh_statements the workflow's RefreshPartitions runs on Athena. */
export const handler = lambdaHandler(
  MergeEventSchema,
  (event) => mergeFromEvent({ table: packagedTableDefinition(), store: awsAdapters().store }, event, process.env),
  { correlationId: (event) => event.run_id },
);
