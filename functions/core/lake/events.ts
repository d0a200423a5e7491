import { z } from "zod";
import { MergeResultSchema } from "./merge-result.ts";

/** The MergeRun state's input. */
export const MergeEventSchema = z.object({ run_id: z.string().min(1) });
export type MergeEvent = z.output<typeof MergeEventSchema>;

/** The ReportRun state's input: the run, what MergeRun returned, and the GPU instance type the run's jobs ran on. */
export const ReportEventSchema = z.object({
  run_id: z.string().min(1),
  merge: MergeResultSchema,
  instance_type: z.string().min(1).optional(),
});
export type ReportEvent = z.output<typeof ReportEventSchema>;
