import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { reportKey } from "../../../functions/core/lake-keys.ts";
import type { Context } from "aws-lambda";
import { handler, reportFromEvent } from "../../../functions/report.ts";
import { DirectoryObjectStore } from "../../../local/adapters/directory-object-store.ts";
import { putFinishedRun, recordingMetrics } from "../../support/report-fixtures.ts";

let lake: string;
let store: DirectoryObjectStore;
beforeEach(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-report-handler-"));
  store = new DirectoryObjectStore(lake);
});
afterEach(() => rm(lake, { recursive: true, force: true }));

describe("the report function", () => {
  it("takes ReportRun's input as the workflow passes it: the run, the merge result, the instance type", async () => {
    const { merge } = await putFinishedRun(store);
    const metrics = recordingMetrics();
    const report = await reportFromEvent({ store, metrics }, { run_id: "run-r", merge, instance_type: "ml.g5.xlarge" });
    expect(report).toMatchObject({ run_id: "run-r", rows_curated: 2, cost: { instance_type: "ml.g5.xlarge" } });
    expect(await store.head(reportKey("run-r"))).toBeDefined();
    expect(metrics.data.map((m) => m.name)).toContain("HeadlinesScored");
  });

  it("refuses a merge result that is not one, naming the field", async () => {
    const { merge } = await putFinishedRun(store);
    await expect(handler({ run_id: "run-r", merge: { ...merge, rows_curated: "2" } }, {} as Context)).rejects.toThrow(/rows_curated/);
  });
});
