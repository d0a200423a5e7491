import { awsAdapters } from "./aws/adapters.ts";
import { lambdaHandler } from "./aws/lambda-handler.ts";
import type { Metrics, ObjectStore } from "./core/ports.ts";
import { ReportEventSchema, type ReportEvent } from "./core/lake/events.ts";
import { reportRun, type RunReport } from "./core/lake/report.ts";

/** Writes the run's report.json and puts its metrics. */
export async function reportFromEvent(ports: { store: ObjectStore; metrics: Metrics }, event: ReportEvent): Promise<RunReport> {
  return reportRun(event, ports);
}

/** `{run_id, merge, instance_type}` → the run report, also in runs/<run_id>/report.json and CloudWatch. */
export const handler = lambdaHandler(ReportEventSchema, (event) => reportFromEvent(awsAdapters(), event), {
  correlationId: (event) => event.run_id,
});
