import middy from "@middy/core";
import { z } from "zod";
import { awsPorts } from "./aws/ports.ts";
import { runSettingsFromEnvironment, shardSizeFromEnvironment } from "./aws/run-settings.ts";
import { sealPending } from "./core/seal.ts";

/** Invoked by hand (`{}` or `{"shard_size": 2000}`) or on a large drop (`{"trigger": "size"}`). */
export const SealEventSchema = z
  .object({
    trigger: z.enum(["manual", "size"]).default("manual"),
    shard_size: z.number().int().positive().optional(),
  })
  .strict();

/** Seals what is pending into a run and starts its workflow; answers the run id, or why nothing was sealed. */
export const handler = middy().handler(async (event: unknown) => {
  const request = SealEventSchema.parse(event ?? {});
  return sealPending(awsPorts(), {
    trigger: request.trigger,
    settings: runSettingsFromEnvironment(),
    shardSize: request.shard_size ?? shardSizeFromEnvironment(),
  });
});
