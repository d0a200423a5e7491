import { awsAdapters } from "./aws/adapters.ts";
import { lambdaHandler, logger } from "./aws/lambda-handler.ts";
import { packagedTableDefinition } from "./aws/table-definition.ts";
import type { TableDefinition } from "./core/lake/lake-table.ts";
import type { ObjectStore, PartitionCatalog } from "./core/ports.ts";
import { settleRealtime, type RealtimeMergeResult } from "./core/realtime/merge-realtime.ts";
import { ScheduledEventSchema } from "./core/scheduling/events.ts";

/** What real-time scoring landed → the curated table, and the days it adds registered; the bucket and database from the environment. */
export async function mergeLanded(
  ports: { store: ObjectStore; catalog: PartitionCatalog; table: TableDefinition },
  env: Record<string, string | undefined>,
): Promise<RealtimeMergeResult | null> {
  const merged = await settleRealtime({ ...ports, bucket: env.BUCKET, database: env.ATHENA_DATABASE });
  if (merged) logger.info("real-time headlines merged", { event: "realtime_merge", ...merged });
  else logger.info("nothing landed to merge", { event: "realtime_merge" });
  return merged ?? null;
}

/** Every minute while the stage's real-time endpoint is on (serverless.yml, realtimeEnabled). */
export const handler = lambdaHandler(
  ScheduledEventSchema,
  () => mergeLanded({ ...awsAdapters(), table: packagedTableDefinition() }, process.env),
  {
    correlationId: (event) => event.id,
  },
);
