import { z } from "zod";

/**
 * The seal function's event: invoked by hand (`{}`, `{"shard_size": 2000}`, or no payload at all)
 * or on a large drop (`{"trigger": "size"}`).
 */
export const SealEventSchema = z.preprocess(
  (event) => event ?? {},
  z
    .object({
      trigger: z.enum(["manual", "size"]).default("manual"),
      shard_size: z.number().int().positive().optional(),
    })
    .strict(),
);
export type SealEvent = z.output<typeof SealEventSchema>;

/** The FinalizeRun state's input. */
export const FinalizeRunEventSchema = z.object({ run_id: z.string().min(1) });
export type FinalizeRunEvent = z.output<typeof FinalizeRunEventSchema>;
