import { awsAdapters } from "./aws/adapters.ts";
import { lambdaHandler } from "./aws/lambda-handler.ts";
import type { ObjectStore } from "./core/ports.ts";
import { FinalizeRunEventSchema, type FinalizeRunEvent } from "./core/orchestration/events.ts";
import { finalizeRun, type FinalizeRunResult } from "./core/orchestration/finalize-run.ts";

/** Folds the run's shard outcomes into its manifest: Succeeded, or PartiallyFailed with the failed shards. */
export async function finalizeFromEvent(ports: { store: ObjectStore }, event: FinalizeRunEvent): Promise<FinalizeRunResult> {
  return finalizeRun(ports.store, event);
}

/** The FinalizeRun state: `{run_id}` → the run's status and its failed shards. */
export const handler = lambdaHandler(FinalizeRunEventSchema, (event) => finalizeFromEvent(awsAdapters(), event), {
  correlationId: (event) => event.run_id,
});
