import { awsAdapters } from "./aws/adapters.ts";
import { lambdaHandler } from "./aws/lambda-handler.ts";
import { lambdaLockingPorts } from "./aws/lambda-lock-owner.ts";
import { runDeadlineFromEnvironment, runSettingsFromEnvironment, shardSizeFromEnvironment } from "./aws/run-settings.ts";
import { SealEventSchema, type SealEvent } from "./core/orchestration/events.ts";
import type { LockingPorts } from "./core/orchestration/run-lock.ts";
import { sealPending, type SealResult } from "./core/orchestration/seal.ts";

/** Seals what is pending into a run and starts its workflow, with the settings serverless.yml puts in the environment. */
export async function sealFromEvent(ports: LockingPorts, event: SealEvent, env: Record<string, string | undefined>): Promise<SealResult> {
  return sealPending(ports, {
    trigger: event.trigger,
    settings: runSettingsFromEnvironment(env),
    shardSize: event.shard_size ?? shardSizeFromEnvironment(env),
    deadlineSeconds: runDeadlineFromEnvironment(env),
  });
}

/** Answers the run id, or why nothing was sealed. */
export const handler = lambdaHandler(SealEventSchema, (event, context) =>
  sealFromEvent(lambdaLockingPorts(awsAdapters(), context), event, process.env),
);
