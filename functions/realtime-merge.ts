import middy from "@middy/core";
import { awsAdapters } from "./aws/adapters.ts";
import type { ObjectStore, PartitionCatalog } from "./core/ports.ts";
import { settleRealtime, type RealtimeMergeResult } from "./core/realtime/merge-realtime.ts";

/** What real-time scoring landed → the curated table, and the days it adds registered; the bucket and database from the environment. */
export async function mergeLanded(
  ports: { store: ObjectStore; catalog: PartitionCatalog },
  env: Record<string, string | undefined>,
): Promise<RealtimeMergeResult | null> {
  const merged = await settleRealtime({ ...ports, bucket: env.BUCKET, database: env.ATHENA_DATABASE });
  console.log(JSON.stringify({ message: "realtime merge", result: merged ?? "nothing landed" }));
  return merged ?? null;
}

/** Every minute while the stage's real-time endpoint is on (serverless.yml, realtimeEnabled). */
export const handler = middy().handler(async () => mergeLanded(awsAdapters(), process.env));
