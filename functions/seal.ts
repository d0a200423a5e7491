import middy from "@middy/core";
import { z } from "zod";
import type { Context } from "aws-lambda";
import { awsAdapters } from "./aws/adapters.ts";
import { lambdaLockingPorts } from "./aws/lambda-lock-owner.ts";
import { runSettingsFromEnvironment, shardSizeFromEnvironment } from "./aws/run-settings.ts";
import type { LockingPorts } from "./core/orchestration/run-lock.ts";
import { sealPending, type SealResult } from "./core/orchestration/seal.ts";

/** Invoked by hand (`{}` or `{"shard_size": 2000}`) or on a large drop (`{"trigger": "size"}`). */
export const SealEventSchema = z
  .object({
    trigger: z.enum(["manual", "size"]).default("manual"),
    shard_size: z.number().int().positive().optional(),
  })
  .strict();

/** Seals what is pending into a run and starts its workflow, with the settings serverless.yml puts in the environment. */
export async function sealFromEvent(ports: LockingPorts, event: unknown, env: Record<string, string | undefined>): Promise<SealResult> {
  const request = SealEventSchema.parse(event ?? {});
  return sealPending(ports, {
    trigger: request.trigger,
    settings: runSettingsFromEnvironment(env),
    shardSize: request.shard_size ?? shardSizeFromEnvironment(env),
  });
}

/** Answers the run id, or why nothing was sealed. */
export const handler = middy().handler(async (event: unknown, context: Context) =>
  sealFromEvent(lambdaLockingPorts(awsAdapters(), context), event, process.env),
);
