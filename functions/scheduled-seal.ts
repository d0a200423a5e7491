import { awsAdapters } from "./aws/adapters.ts";
import { lambdaHandler, logger } from "./aws/lambda-handler.ts";
import { lambdaLockingPorts } from "./aws/lambda-lock-owner.ts";
import { runDeadlineFromEnvironment, runSettingsFromEnvironment, shardSizeFromEnvironment } from "./aws/run-settings.ts";
import type { LockingPorts } from "./core/orchestration/run-lock.ts";
import { ScheduledEventSchema, sealTickMessage, type SealTickEvent } from "./core/scheduling/events.ts";
import { parseScheduleConfig, type ScheduleConfig } from "./core/scheduling/schedule-config.ts";
import { scheduledSeal } from "./core/scheduling/scheduled-seal.ts";
import { DEFAULT_SHARD_SIZE, sealPending } from "./core/orchestration/seal.ts";

/**
 * One tick with the environment serverless.yml gives the function: SCHEDULE_CONFIG (optional, the
 * schedule configuration as YAML or JSON, docs/scheduling.md), SHARD_SIZE and the run settings.
 */
export async function scheduledSealTick(
  ports: LockingPorts,
  options: { now: Date; env: Record<string, string | undefined>; onEvent: (e: SealTickEvent) => void },
) {
  const shardSize = shardSizeFromEnvironment(options.env);
  const result = await scheduledSeal({
    store: ports.store,
    now: options.now,
    config: scheduleConfigFrom(options.env),
    shardRows: shardSize ?? DEFAULT_SHARD_SIZE,
    onEvent: options.onEvent,
    seal: async (trigger) => {
      const sealed = await sealPending(ports, {
        trigger,
        settings: runSettingsFromEnvironment(options.env),
        shardSize,
        deadlineSeconds: runDeadlineFromEnvironment(options.env),
        now: () => options.now,
      });
      return sealed.sealed ? { runId: sealed.run_id } : undefined;
    },
  });
  return { seal: result.decision.seal, reason: result.decision.reason, run_id: result.runId ?? null };
}

const configs = new Map<string, ScheduleConfig>();
function scheduleConfigFrom(env: Record<string, string | undefined>): ScheduleConfig {
  const text = env.SCHEDULE_CONFIG ?? "";
  const config = configs.get(text) ?? parseScheduleConfig(text, "SCHEDULE_CONFIG");
  configs.set(text, config);
  return config;
}

export const handler = lambdaHandler(
  ScheduledEventSchema,
  (_event, context) =>
    scheduledSealTick(lambdaLockingPorts(awsAdapters(), context), {
      now: new Date(),
      env: process.env,
      onEvent: (e) => logger.info(sealTickMessage(e), { ...e }),
    }),
  { correlationId: (event) => event.id },
);
