import { mergeRun } from "../../functions/core/lake/merge.ts";
import type { Metrics, ObjectStore } from "../../functions/core/ports.ts";
import { ReportEventSchema } from "../../functions/core/lake/events.ts";
import { reportRun } from "../../functions/core/lake/report.ts";
import { refreshLocalCatalog } from "../query/lake-catalog.ts";
import { repositoryTableDefinition } from "../query/table-definition.ts";
import type { LakeSteps } from "./pipeline.ts";

/** MergeRun, RefreshPartitions and ReportRun on this machine: the lake part's core functions over the lake directory. */
export function localLakeSteps(options: { store: ObjectStore; bucket: string; lake: string; metrics: Metrics }): LakeSteps {
  const { store, bucket, lake, metrics } = options;
  return {
    merge: (runId) => mergeRun(runId, { store, table: repositoryTableDefinition(), bucket }),
    refresh: async (statement) => {
      await refreshLocalCatalog(lake, statement);
    },
    report: (input) => reportRun(ReportEventSchema.parse(input), { store, metrics }),
  };
}
