import middy from "@middy/core";
import { z } from "zod";
import { awsPorts } from "./aws/ports.ts";
import { mergeRun } from "./core/merge.ts";

const MergeRunInputSchema = z.object({ run_id: z.string().min(1) });

/** The MergeRun state: `{run_id}` → the run's scored chunks merged into curated Parquet. */
export const handler = middy().handler(async (event: unknown) => {
  const { run_id } = MergeRunInputSchema.parse(event);
  const { store } = awsPorts();
  return mergeRun(run_id, { store, bucket: process.env.BUCKET, database: process.env.ATHENA_DATABASE });
});
