import middy from "@middy/core";
import { awsPorts } from "./aws/ports.ts";
import { finalizeRun, FinalizeRunInputSchema } from "./core/finalize-run.ts";

/** The FinalizeRun state: `{run_id}` → the shards' outcomes folded into the manifest, Succeeded or PartiallyFailed. */
export const handler = middy().handler(async (event: unknown) => finalizeRun(awsPorts().store, FinalizeRunInputSchema.parse(event)));
