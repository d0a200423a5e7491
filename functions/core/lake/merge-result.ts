import { z } from "zod";

/** What MergeRun returns to the workflow (contracts.md, "The workflow"); ReportRun reads it back. */
export const MergeResultSchema = z.object({
  run_id: z.string().min(1),
  rows_scored: z.number().int().nonnegative(),
  rows_curated: z.number().int().nonnegative(),
  /** rows_scored − rows_curated: ids seen twice in the run, or already curated by another run. */
  duplicates: z.number().int().nonnegative(),
  /** The partitions this merge wrote files to. */
  partitions: z.array(z.object({ year: z.number().int(), month: z.number().int(), day: z.number().int() })),
  /** Lake keys of the statements that register those partitions in Athena, run in order; none when there are none. */
  refresh_statements: z.array(z.string()),
  /** How long the merge took. */
  seconds: z.number().nonnegative().optional(),
});
export type MergeResult = z.infer<typeof MergeResultSchema>;
