import middy from "@middy/core";
import { z } from "zod";
import { awsAdapters } from "./aws/adapters.ts";
import { runDeadlineFromEnvironment, runSettingsFromEnvironment, shardSizeFromEnvironment } from "./aws/run-settings.ts";
import type { ObjectStore, Workflow } from "./core/ports.ts";
import { sealPending, type SealResult } from "./core/orchestration/seal.ts";

/** Invoked by hand (`{}` or `{"shard_size": 2000}`) or on a large drop (`{"trigger": "size"}`). */
export const SealEventSchema = z
  .object({
    trigger: z.enum(["manual", "size"]).default("manual"),
    shard_size: z.number().int().positive().optional(),
  })
  .strict();

/** Seals what is pending into a run and starts its workflow, with the settings serverless.yml puts in the environment. */
export async function sealFromEvent(
  ports: { store: ObjectStore; workflow: Workflow },
  event: unknown,
  env: Record<string, string | undefined>,
): Promise<SealResult> {
  const request = SealEventSchema.parse(event ?? {});
  return sealPending(ports, {
    trigger: request.trigger,
    settings: runSettingsFromEnvironment(env),
    shardSize: request.shard_size ?? shardSizeFromEnvironment(env),
    deadlineSeconds: runDeadlineFromEnvironment(env),
  });
}

/** Answers the run id, or why nothing was sealed. */
export const handler = middy().handler(async (event: unknown) => sealFromEvent(awsAdapters(), event, process.env));
