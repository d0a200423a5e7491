import type { RunReport } from "../../functions/core/lake/report.ts";
import { number, seconds, utc } from "./text.ts";
import type { SentimentSeries } from "./sentiment-series.ts";

/** The run report as one self-contained HTML page: the figures, the failed shards, and sentiment over time as inline SVG. */
export function renderReportHtml(report: RunReport, series: SentimentSeries): string {
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
  return (
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>goldpipe run ${escapeHtml(report.run_id)}</title>
<style>
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; ` +
    `margin: 2rem auto; max-width: 980px; padding: 0 1rem; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .meta { color: #5b6475; margin-top: 0; }
  .status { display: inline-block; padding: .1rem .55rem; border-radius: 1rem; font-size: .85rem; font-weight: 600; }
  .Succeeded { background: #dcf5e3; color: #14632f; } .PartiallyFailed { background: #fde3e1; color: #8c1d13; } ` +
    `.Sealed { background: #e8ecf3; color: #3a4456; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(290px, 1fr)); column-gap: 1rem; }
  section { border: 1px solid #e1e5ec; border-radius: 8px; padding: .6rem 1rem 1rem; margin-bottom: 1rem; overflow-x: auto; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 1rem; margin: .4rem 0 .6rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid #f0f2f6; vertical-align: top; }
  th { font-weight: 500; color: #5b6475; }
  td { font-variant-numeric: tabular-nums; white-space: nowrap; }
  td.text, table.failed td { white-space: normal; }
  table.failed td:first-child { width: 4rem; }
  svg text { font: 12px system-ui, sans-serif; fill: #5b6475; }
</style>
</head>
<body>
<h1>Run ${escapeHtml(report.run_id)} <span class="status ${report.status}">${report.status}</span></h1>
<p class="meta">${escapeHtml(report.trigger)} run, sealed ${utc(report.created_at)}, reported ${utc(report.reported_at)}</p>
<section>
<h2>Sentiment over time (${series.bucket === "hour" ? "hourly" : series.bucket === "day" ? "daily" : "weekly"}, UTC publication time)</h2>
${sentimentChartSvg(series)}
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
</div>
</body>
</html>
`
  );
}

const WIDTH = 920;
const HEIGHT = 320;
const MARGIN = { top: 16, right: 64, bottom: 40, left: 48 };
const BUCKET_MS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 } as const;

/**
 * Net sentiment (−1 to 1, left axis) as a line with a dot per bucket, green above zero and red
 * below, over grey bars of the bucket's headline count (right axis). Time runs to scale, so a
 * quiet stretch shows as a gap.
 */
export function sentimentChartSvg(series: SentimentSeries): string {
  if (series.points.length === 0) return "<p>No curated headlines from this run.</p>";
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const step = BUCKET_MS[series.bucket];
  const times = series.points.map((p) => Date.parse(p.at));
  const start = times[0]!;
  const end = times[times.length - 1]! + step;
  const x = (t: number) => MARGIN.left + ((t - start) / (end - start)) * plotWidth;
  const y = (index: number) => MARGIN.top + ((1 - index) / 2) * plotHeight;
  const maxCount = Math.max(...series.points.map((p) => p.headlines));
  const barHeight = (n: number) => (n / maxCount) * plotHeight;
  const barWidth = Math.max(1, (step / (end - start)) * plotWidth * 0.8);

  const bars = series.points
    .map((p, i) => {
      const h = barHeight(p.headlines);
      return (
        `<rect x="${fmt(x(times[i]!) + barWidth * 0.125)}" y="${fmt(MARGIN.top + plotHeight - h)}" ` +
        `width="${fmt(barWidth)}" height="${fmt(h)}" fill="#e3e7ee">` +
        `<title>${escapeHtml(p.at)}: ${p.headlines} headlines</title></rect>`
      );
    })
    .join("");
  const centre = (i: number) => x(times[i]!) + (step / (end - start)) * plotWidth * 0.5;
  // A bucket with no headlines has no sentiment: the line breaks there rather than bridging it.
  const line = series.points
    .map((p, i) => `${i === 0 || times[i]! - times[i - 1]! > step ? "M" : "L"}${fmt(centre(i))},${fmt(y(p.index))}`)
    .join(" ");
  const dots = series.points
    .map(
      (p, i) =>
        `<circle cx="${fmt(centre(i))}" cy="${fmt(y(p.index))}" r="3.5" fill="${p.index >= 0 ? "#1f8a4c" : "#c0392b"}">` +
        `<title>${escapeHtml(p.at)}: index ${p.index.toFixed(3)} ` +
        `(${p.positive} positive, ${p.negative} negative of ${p.headlines})</title></circle>`,
    )
    .join("");
  const leftTicks = [-1, -0.5, 0, 0.5, 1]
    .map(
      (v) =>
        `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${fmt(y(v))}" y2="${fmt(y(v))}" ` +
        `stroke="${v === 0 ? "#9aa3b2" : "#eef0f4"}"/>` +
        `<text x="${MARGIN.left - 8}" y="${fmt(y(v) + 4)}" text-anchor="end">${v}</text>`,
    )
    .join("");
  const rightTicks = [0, 0.5, 1]
    .map(
      (f) =>
        `<text x="${MARGIN.left + plotWidth + 8}" y="${fmt(MARGIN.top + plotHeight - f * plotHeight + 4)}">` +
        `${Math.round(f * maxCount)}</text>`,
    )
    .join("");
  const tickCount = Math.min(6, series.points.length);
  const timeTicks = Array.from({ length: tickCount }, (_, k) => {
    const t = start + ((end - start - step) * k) / Math.max(1, tickCount - 1);
    const label =
      series.bucket === "hour" ? new Date(t).toISOString().slice(5, 16).replace("T", " ") : new Date(t).toISOString().slice(0, 10);
    return (
      `<text x="${fmt(x(t) + (step / (end - start)) * plotWidth * 0.5)}" y="${HEIGHT - MARGIN.bottom + 18}" ` +
      `text-anchor="middle">${label}</text>`
    );
  }).join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" ` +
    `aria-label="Net sentiment and headline count over time">
${bars}${leftTicks}${rightTicks}${timeTicks}
<path d="${line}" fill="none" stroke="#34495e" stroke-width="1.5"/>${dots}
<text x="${MARGIN.left}" y="${HEIGHT - 6}">net sentiment, (positive − negative) / headlines</text>
<text x="${MARGIN.left + plotWidth}" y="${HEIGHT - 6}" text-anchor="end">grey bars: headlines per ${series.bucket}</text>
</svg>`
  );
}

function dayRange({ count, first, last }: RunReport["days"]): string {
  if (count === 0) return "No day partition written.";
  return `${count} day partition${count === 1 ? "" : "s"} written: ${first === last ? first : `${first} to ${last}`}.`;
}

const fmt = (value: number) => value.toFixed(1);
const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
