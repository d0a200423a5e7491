import type { RunReport } from "../../functions/core/lake/report.ts";
import { number, seconds, utc } from "./text.ts";
import { EVERY, type IndexChart, indexChartSvg } from "./index-chart.ts";
import { indexChart, type IndexSeries } from "./index-series.ts";
import { escapeHtml, htmlPage } from "./page.ts";
import type { SentimentSeries } from "./sentiment-series.ts";

/**
 * The run report as one self-contained HTML page: the figures, the failed shards, the run's sentiment
 * over time and the gold index of the days it wrote, as inline SVG.
 */
export function renderReportHtml(report: RunReport, series: SentimentSeries, gold: IndexSeries): string {
  const rows = (pairs: [string, string][]) =>
    pairs
      .map(
        ([label, value]) =>
          `<tr><th>${escapeHtml(label)}</th><td${value.length > 24 ? ' class="text"' : ""}>${escapeHtml(value)}</td></tr>`,
      )
      .join("\n");
  const failed =
    report.failed_shards.length === 0
      ? "<p>None: every shard was scored.</p>"
      : `<table class="failed"><tr><th>shard</th><th>reason</th></tr>${report.failed_shards
          .map((index) => `<tr><td>${index}</td><td>${escapeHtml(report.shard_errors[String(index)] ?? "")}</td></tr>`)
          .join("")}</table><p>Run <code>goldpipe replay ${escapeHtml(report.run_id)}</code> to score them.</p>`;
  return htmlPage({
    title: `goldpipe run ${report.run_id}`,
    style:
      `  .status { display: inline-block; padding: .1rem .55rem; border-radius: 1rem; font-size: .85rem; font-weight: 600; }
  .Succeeded { background: #dcf5e3; color: #14632f; } .PartiallyFailed { background: #fde3e1; color: #8c1d13; } ` +
      `.Sealed { background: #e8ecf3; color: #3a4456; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(290px, 1fr)); column-gap: 1rem; }
  section.wide { grid-column: 1 / -1; }
  td.text, table.failed td { white-space: normal; }
  table.failed td:first-child { width: 4rem; }`,
    body:
      `<h1>Run ${escapeHtml(report.run_id)} <span class="status ${report.status}">${report.status}</span></h1>
<p class="meta">${escapeHtml(report.trigger)} run, sealed ${utc(report.created_at)}, reported ${utc(report.reported_at)}</p>
<section>
<h2>Sentiment over time (${EVERY[series.bucket]}, UTC publication time)</h2>
${indexChartSvg(sentimentChart(series))}
</section>
<section>
<h2>${escapeHtml(gold.instrument)} directionality index (${EVERY[gold.bucket]}, UTC days) of the days this run wrote, ` +
      `every run's headlines</h2>
${indexChartSvg(indexChart(gold))}
</section>
<div class="grid">
<section><h2>Headlines</h2><table>
${rows([
  ["read", number(report.rows_read)],
  ["valid", number(report.rows_valid)],
  ["quarantined", number(report.rows_quarantined)],
  ["sealed into shards", number(report.rows_sharded)],
  ["dropped at sealing as duplicates", number(report.duplicates_sealed)],
  ["scored", number(report.rows_scored)],
  ["unscorable", number(report.rows_unscorable)],
  ["in failed shards", number(report.rows_in_failed_shards)],
  ["duplicates at merge", number(report.duplicates)],
  ["curated", number(report.rows_curated)],
])}
</table></section>
<section><h2>Time and throughput</h2><table>
${rows([
  ["end to end", seconds(report.seconds)],
  ["GPU jobs, scoring", seconds(report.timings.scoring_seconds)],
  ["longest shard", seconds(report.timings.longest_shard_seconds)],
  ["loading the model", seconds(report.timings.model_load_seconds)],
  ["merge", report.timings.merge_seconds === null ? "—" : seconds(report.timings.merge_seconds)],
  ["headlines/s end to end", number(report.throughput.headlines_per_second)],
  ["headlines/s in the GPU jobs", number(report.throughput.job_headlines_per_second)],
  ["GPU utilization", report.throughput.gpu_utilization_percent === null ? "—" : `${report.throughput.gpu_utilization_percent}%`],
])}
</table></section>
<section><h2>Cost estimate</h2><table>
${rows([
  ["instance type", report.cost.instance_type ?? "—"],
  ["price", report.cost.usd_per_hour === null ? "—" : `$${report.cost.usd_per_hour}/h`],
  ["capacity", report.cost.capacity],
  [report.cost.saving_percent === null ? "billed (at least)" : "billed by SageMaker", seconds(report.cost.billed_seconds)],
  ...(report.cost.saving_percent === null
    ? []
    : ([
        ["jobs ran", seconds(report.cost.total_seconds)],
        ["saved against on-demand", `${report.cost.saving_percent}%`],
      ] as [string, string][])),
  ["estimate", report.cost.usd === null ? "—" : `$${report.cost.usd.toFixed(4)}`],
  ["per million headlines", report.cost.usd_per_million_headlines === null ? "—" : `$${report.cost.usd_per_million_headlines.toFixed(2)}`],
  ...(report.cost.note === null ? [] : ([["note", report.cost.note]] as [string, string][])),
])}
</table></section>
<section class="wide"><h2>Shards: ${report.shards}, failed: ${report.shards_failed}</h2>
${failed}
<p>${dayRange(report.days)}</p>
</section>
</div>`,
  });
}

/** The run's net sentiment as the chart draws it. */
export function sentimentChart(series: SentimentSeries): IndexChart {
  return {
    bucket: series.bucket,
    points: series.points.map((p) => ({
      at: p.at,
      headlines: p.headlines,
      index: p.index,
      detail: `index ${p.index.toFixed(3)} (${p.positive} positive, ${p.negative} negative of ${p.headlines})`,
    })),
    indexLabel: "net sentiment, (positive − negative) / headlines",
    empty: "No curated headlines from this run.",
  };
}

function dayRange({ count, first, last }: RunReport["days"]): string {
  if (count === 0) return "No day partition written.";
  return `${count} day partition${count === 1 ? "" : "s"} written: ${first === last ? first : `${first} to ${last}`}.`;
}
