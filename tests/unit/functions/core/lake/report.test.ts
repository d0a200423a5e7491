import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { shardBillingKey, shardMetricsKey } from "../../../../../functions/core/lake-keys.ts";
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
    expect(report.cost).toEqual({
      instance_type: "ml.g5.xlarge",
      usd_per_hour: 1.408,
      billed_seconds: 6,
      usd: 0.0023,
      note: null,
      capacity: "on-demand",
      total_seconds: 6,
      saving_percent: null,
      usd_per_million_headlines: 766.6667,
    });
    expect(report.throughput.gpu_utilization_percent).toBeNull();
  });

  it("prices a spot run by the seconds SageMaker billed against the seconds its jobs ran, and shows the saving", async () => {
    const { merge } = await putFinishedRun(store);
    for (const [index, training, billable] of [
      [0, 600, 180],
      [1, 400, 120],
    ] as const) {
      const billing = { index, capacity: "spot", job_name: `gs-x-${index}-0`, training_seconds: training, billable_seconds: billable };
      await store.put(shardBillingKey("run-r", index), JSON.stringify(billing));
    }
    await store.put(
      shardMetricsKey("run-r", 1),
      JSON.stringify({ ...JSON.parse((await store.get(shardMetricsKey("run-r", 1)))!.toString()), gpu_utilization_percent: 80 }),
    );
    await store.put(
      shardMetricsKey("run-r", 0),
      JSON.stringify({ ...JSON.parse((await store.get(shardMetricsKey("run-r", 0)))!.toString()), gpu_utilization_percent: 61 }),
    );
    const metrics = recordingMetrics();

    const report = await reportRun(
      { run_id: "run-r", merge, instance_type: "ml.g5.xlarge", capacity: "spot" },
      { store, metrics, now: tenMinutesAfterSealing },
    );

    expect(report.cost).toMatchObject({ capacity: "spot", billed_seconds: 300, total_seconds: 1000, saving_percent: 70 });
    expect(report.cost.usd).toBeCloseTo((1.408 * 300) / 3600, 4);
    expect(report.cost.usd_per_million_headlines).toBeCloseTo((report.cost.usd! / 3) * 1e6, 2);
    expect(report.throughput.gpu_utilization_percent).toBe(70.5);
    expect(metrics.data).toEqual(
      expect.arrayContaining([
        { name: "SpotSavingPercent", value: 70, unit: "Percent" },
        { name: "GpuUtilizationPercent", value: 70.5, unit: "Percent" },
        { name: "CostPerMillionHeadlinesUSD", value: report.cost.usd_per_million_headlines, unit: "None" },
      ]),
    );
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
      { name: "JobHeadlinesPerSecond", value: 1, unit: "Count/Second" },
      { name: "EstimatedCostUSD", value: 0.0023, unit: "None" },
      { name: "CostPerMillionHeadlinesUSD", value: 766.6667, unit: "None" },
    ]);
  });

  it("leaves the cost out of the metrics when the price is unknown, and says why in the report", async () => {
    const { merge } = await putFinishedRun(store);
    const report = await reportRun({ run_id: "run-r", merge }, { store, metrics: recordingMetrics(), now: tenMinutesAfterSealing });
    expect(report.cost).toMatchObject({ usd: null, note: "the run's instance type was not given" });
    expect(runMetrics(report).map((m) => m.name)).not.toContain("EstimatedCostUSD");
    expect(runMetrics(report).map((m) => m.name)).not.toContain("CostPerMillionHeadlinesUSD");
  });

  it("refuses a run with no manifest", async () => {
    const { merge } = await putFinishedRun(store);
    await expect(reportRun({ run_id: "run-x", merge }, { store, metrics: recordingMetrics() })).rejects.toThrow(
      /run run-x has no manifest/,
    );
  });
});
