import middy from "@middy/core";
import { awsPorts } from "./aws/ports.ts";
import { reportRun, ReportRunInputSchema } from "./core/report.ts";

/** The ReportRun state: `{run_id, merge, instance_type}` → runs/<run_id>/report.json and the run's CloudWatch metrics. */
export const handler = middy().handler(async (event: unknown) => {
  const { store, metrics } = awsPorts();
  return reportRun(ReportRunInputSchema.parse(event), { store, metrics });
});
