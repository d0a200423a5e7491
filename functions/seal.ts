import { awsAdapters } from "./aws/adapters.ts";
import { lambdaHandler } from "./aws/lambda-handler.ts";
import { runSettingsFromEnvironment, shardSizeFromEnvironment } from "./aws/run-settings.ts";
import type { ObjectStore, Workflow } from "./core/ports.ts";
import { SealEventSchema, type SealEvent } from "./core/orchestration/events.ts";
import { sealPending, type SealResult } from "./core/orchestration/seal.ts";

/** Seals what is pending into a run and starts its workflow, with the settings serverless.yml puts in the environment. */
export async function sealFromEvent(
  ports: { store: ObjectStore; workflow: Workflow },
  event: SealEvent,
  env: Record<string, string | undefined>,
): Promise<SealResult> {
  return sealPending(ports, {
    trigger: event.trigger,
    settings: runSettingsFromEnvironment(env),
    shardSize: event.shard_size ?? shardSizeFromEnvironment(env),
  });
}

/** Answers the run id, or why nothing was sealed. */
export const handler = lambdaHandler(SealEventSchema, (event) => sealFromEvent(awsAdapters(), event, process.env));
