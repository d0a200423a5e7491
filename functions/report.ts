import middy from "@middy/core";
import { awsAdapters } from "./aws/adapters.ts";
import type { Metrics, ObjectStore } from "./core/ports.ts";
import { reportRun, ReportRunInputSchema, type RunReport } from "./core/lake/report.ts";

/** Writes the run's report.json and puts its metrics. */
export async function reportFromEvent(ports: { store: ObjectStore; metrics: Metrics }, event: unknown): Promise<RunReport> {
  return reportRun(ReportRunInputSchema.parse(event), ports);
}

/** `{run_id, merge, instance_type}` → the run report, also in runs/<run_id>/report.json and CloudWatch. */
export const handler = middy().handler(async (event: unknown) => reportFromEvent(awsAdapters(), event));
