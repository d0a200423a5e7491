import { mergeRun } from "../../functions/core/lake/merge.ts";
import type { Metrics, ObjectStore } from "../../functions/core/ports.ts";
import { reportRun, ReportRunInputSchema } from "../../functions/core/lake/report.ts";
import { refreshLocalCatalog } from "../query/lake-catalog.ts";
import type { LakeSteps } from "./pipeline.ts";

/** MergeRun, RefreshPartitions and ReportRun on this machine: the lake part's core functions over the lake directory. */
export function localLakeSteps(options: { store: ObjectStore; bucket: string; lake: string; metrics: Metrics }): LakeSteps {
  const { store, bucket, lake, metrics } = options;
  return {
    merge: (runId) => mergeRun(runId, { store, bucket }),
    refresh: async (statement) => {
      await refreshLocalCatalog(lake, statement);
    },
    report: (input) => reportRun(ReportRunInputSchema.parse(input), { store, metrics }),
  };
}
