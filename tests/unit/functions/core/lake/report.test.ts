import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ObjectStore } from "../../../../../functions/core/ports.ts";
import { readRunReport, reportRun, runMetrics } from "../../../../../functions/core/lake/report.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";
import { putFinishedRun, recordingMetrics } from "../../../../support/report-fixtures.ts";

let lake: string;
let store: ObjectStore;
beforeEach(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-report-test-"));
  store = new DirectoryObjectStore(lake);
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

const tenMinutesAfterSealing = () => new Date("2024-03-01T16:10:00.000Z");

describe("reportRun", () => {
  it("adds up the run's counts from the manifest, the shards' metrics and the merge", async () => {
    const { merge } = await putFinishedRun(store);
    const report = await reportRun(
      { run_id: "run-r", merge, instance_type: "ml.g5.xlarge" },
      { store, metrics: recordingMetrics(), now: tenMinutesAfterSealing },
    );
    expect(report).toMatchObject({
      run_id: "run-r",
      status: "PartiallyFailed",
      trigger: "manual",
      rows_read: 15,
      rows_valid: 14,
      rows_quarantined: 1,
      rows_sharded: 6,
      duplicates_sealed: 8,
      shards: 3,
      shards_failed: 1,
      failed_shards: [2],
      shard_errors: { "2": "ResourceLimitExceeded: the account-level service limit for ml.g5.xlarge is 1 instance" },
      rows_in_failed_shards: 2,
      rows_scored: 3,
      rows_unscorable: 1,
      rows_curated: 2,
      duplicates: 1,
      days: { count: 1, first: "2024-03-01", last: "2024-03-01" },
      seconds: 600,
      timings: { scoring_seconds: 4, longest_shard_seconds: 2, model_load_seconds: 2, merge_seconds: 0.5 },
      throughput: { headlines_per_second: 0.003, job_headlines_per_second: 1 },
    });
    // Nothing lost, on the report's own counts.
    expect(report.rows_read).toBe(report.rows_valid + report.rows_quarantined);
    expect(report.rows_curated).toBe(report.rows_scored - report.duplicates);
  });

  it("estimates the cost as the instance's price times the GPU jobs' seconds", async () => {
    const { merge } = await putFinishedRun(store);
    const report = await reportRun(
      { run_id: "run-r", merge, instance_type: "ml.g5.xlarge" },
      { store, metrics: recordingMetrics(), now: tenMinutesAfterSealing },
    );
    expect(report.cost).toEqual({ instance_type: "ml.g5.xlarge", usd_per_hour: 1.408, billed_seconds: 6, usd: 0.0023, note: null });
  });

  it("writes report.json and puts the same figures as metrics", async () => {
    const { merge } = await putFinishedRun(store);
    const metrics = recordingMetrics();
    const report = await reportRun(
      { run_id: "run-r", merge, instance_type: "ml.g5.xlarge" },
      { store, metrics, now: tenMinutesAfterSealing },
    );
    expect(await readRunReport(store, "run-r")).toEqual(report);
    expect(metrics.data).toEqual([
      { name: "HeadlinesScored", value: 3, unit: "Count" },
      { name: "HeadlinesQuarantined", value: 1, unit: "Count" },
      { name: "Duplicates", value: 1, unit: "Count" },
      { name: "ShardsFailed", value: 1, unit: "Count" },
      { name: "RunSeconds", value: 600, unit: "Seconds" },
      { name: "HeadlinesPerSecond", value: 0.003, unit: "Count/Second" },
      { name: "EstimatedCostUSD", value: 0.0023, unit: "None" },
    ]);
  });

  it("leaves the cost out of the metrics when the price is unknown, and says why in the report", async () => {
    const { merge } = await putFinishedRun(store);
    const report = await reportRun({ run_id: "run-r", merge }, { store, metrics: recordingMetrics(), now: tenMinutesAfterSealing });
    expect(report.cost).toMatchObject({ usd: null, note: "the run's instance type was not given" });
    expect(runMetrics(report).map((m) => m.name)).not.toContain("EstimatedCostUSD");
  });

  it("refuses a run with no manifest", async () => {
    const { merge } = await putFinishedRun(store);
    await expect(reportRun({ run_id: "run-x", merge }, { store, metrics: recordingMetrics() })).rejects.toThrow(
      /run run-x has no manifest/,
    );
  });
});
