import { describe, expect, it } from "vitest";
import { renderReportHtml, sentimentChart } from "../../../../local/report/html.ts";
import type { RunReport } from "../../../../functions/core/lake/report.ts";

const point = (at: string, positive: number, negative: number, headlines: number) => ({
  at,
  positive,
  negative,
  headlines,
  index: (positive - negative) / headlines,
});

describe("sentimentChart", () => {
  it("plots the run's net sentiment per bucket and says what each dot is", () => {
    const chart = sentimentChart({ bucket: "hour", points: [point("2024-03-01T10:00:00Z", 3, 1, 4)] });
    expect(chart).toMatchObject({ bucket: "hour", indexLabel: "net sentiment, (positive − negative) / headlines" });
    expect(chart.points).toEqual([
      { at: "2024-03-01T10:00:00Z", headlines: 4, index: 0.5, detail: "index 0.500 (3 positive, 1 negative of 4)" },
    ]);
  });
});

describe("renderReportHtml", () => {
  it("escapes what came from the lake", () => {
    const report = {
      run_id: "run-<x>",
      status: "PartiallyFailed",
      trigger: "manual",
      created_at: "2024-03-01T16:00:00.000Z",
      reported_at: "2024-03-01T16:10:00.000Z",
      rows_read: 1,
      rows_valid: 1,
      rows_quarantined: 0,
      rows_realtime: 0,
      rows_sharded: 1,
      duplicates_sealed: 0,
      shards: 1,
      shards_failed: 1,
      failed_shards: [0],
      shard_errors: { "0": "<script>alert(1)</script>" },
      rows_in_failed_shards: 1,
      rows_scored: 0,
      rows_unscorable: 0,
      rows_curated: 0,
      duplicates: 0,
      days: { count: 0, first: null, last: null },
      seconds: 600,
      timings: { scoring_seconds: 0, longest_shard_seconds: 0, model_load_seconds: 0, merge_seconds: null },
      throughput: { headlines_per_second: 0, job_headlines_per_second: 0, gpu_utilization_percent: null },
      cost: {
        instance_type: null,
        usd_per_hour: null,
        billed_seconds: 0,
        usd: null,
        note: "the run's instance type was not given",
        capacity: "on-demand",
        total_seconds: 0,
        saving_percent: null,
        usd_per_million_headlines: null,
      },
    } satisfies RunReport;
    const html = renderReportHtml(report, { bucket: "day", points: [] }, { instrument: "<XAU>", bucket: "day", points: [] });
    expect(html).toContain("Run run-&lt;x&gt;");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;XAU&gt; directionality index");
    expect(html).toContain("No headlines about &lt;XAU&gt; in this range.");
    expect(html).toContain("the run&#39;s instance type was not given");
  });
});
