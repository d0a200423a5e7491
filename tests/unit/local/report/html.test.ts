import { describe, expect, it } from "vitest";
import { renderReportHtml, sentimentChartSvg } from "../../../../local/report/html.ts";
import type { RunReport } from "../../../../functions/core/lake/report.ts";

const point = (at: string, positive: number, negative: number, headlines: number) => ({
  at,
  positive,
  negative,
  headlines,
  index: (positive - negative) / headlines,
});

describe("sentimentChartSvg", () => {
  it("draws a dot per bucket, green at or above zero and red below, over bars scaled to the busiest bucket", () => {
    const svg = sentimentChartSvg({
      bucket: "day",
      points: [point("2024-03-01T00:00:00Z", 3, 1, 4), point("2024-03-02T00:00:00Z", 0, 2, 2), point("2024-03-05T00:00:00Z", 1, 1, 8)],
    });
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.match(/fill="#1f8a4c"/g)).toHaveLength(2);
    expect(svg.match(/fill="#c0392b"/g)).toHaveLength(1);
    const heights = [...svg.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights[2]).toBeCloseTo(heights[0]! * 2, 0);
    // Time to scale: the gap between the 2nd and the 5th is three buckets wide.
    const xs = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs[2]! - xs[1]!).toBeCloseTo((xs[1]! - xs[0]!) * 3, 0);
    // ...and the line does not bridge the days without headlines.
    expect(svg.match(/<path d="([^"]*)"/)![1]!.match(/M/g)).toHaveLength(2);
  });

  it("copes with one bucket and with none", () => {
    expect(sentimentChartSvg({ bucket: "hour", points: [point("2024-03-01T10:00:00Z", 1, 0, 1)] }).match(/<circle /g)).toHaveLength(1);
    expect(sentimentChartSvg({ bucket: "day", points: [] })).toBe("<p>No curated headlines from this run.</p>");
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
      throughput: { headlines_per_second: 0, job_headlines_per_second: 0 },
      cost: { instance_type: null, usd_per_hour: null, billed_seconds: 0, usd: null, note: "the run's instance type was not given" },
    } satisfies RunReport;
    const html = renderReportHtml(report, { bucket: "day", points: [] });
    expect(html).toContain("Run run-&lt;x&gt;");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).toContain("the run&#39;s instance type was not given");
  });
});
