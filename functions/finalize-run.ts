import middy from "@middy/core";
import { awsAdapters } from "./aws/adapters.ts";
import { finalizeRun, FinalizeRunInputSchema } from "./core/orchestration/finalize-run.ts";

/** The FinalizeRun state: `{run_id}` → the shards' outcomes folded into the manifest, Succeeded or PartiallyFailed. */
export const handler = middy().handler(async (event: unknown) => finalizeRun(awsAdapters().store, FinalizeRunInputSchema.parse(event)));
