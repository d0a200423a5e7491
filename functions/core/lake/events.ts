import { z } from "zod";
import { CAPACITIES } from "../orchestration/run-input.ts";
import { MergeResultSchema } from "./merge-result.ts";

/** The MergeRun state's input. */
export const MergeEventSchema = z.object({ run_id: z.string().min(1) });
export type MergeEvent = z.output<typeof MergeEventSchema>;

/** The ReportRun state's input: the run, what MergeRun returned, and the GPU instance type and capacity the run's jobs ran on. */
export const ReportEventSchema = z.object({
  run_id: z.string().min(1),
  merge: MergeResultSchema,
  instance_type: z.string().min(1).optional(),
  capacity: z.enum(CAPACITIES).default("on-demand"),
});
export type ReportEvent = z.input<typeof ReportEventSchema>;
