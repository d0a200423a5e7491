import { EVERY, indexChartSvg } from "./index-chart.ts";
import { indexChart, type IndexSeries } from "./index-series.ts";
import { escapeHtml, htmlPage } from "./page.ts";
import { number } from "./text.ts";

/** The index as one self-contained HTML page: what S is, the chart over headline counts, and the figures per bucket. */
export function renderIndexHtml(series: IndexSeries): string {
  const { instrument, bucket, points } = series;
  const headlines = points.reduce((sum, p) => sum + p.headlines, 0);
  const directional = points.reduce((sum, p) => sum + p.up + p.constant + p.down, 0);
  const span = points.length === 0 ? "no headlines" : `${points[0]!.at} to ${points[points.length - 1]!.at}`;
  const cell = (value: number | null) => (value === null ? "—" : value.toFixed(3));
  const rows = points
    .map(
      (p) =>
        `<tr><td>${p.at}</td><td>${number(p.headlines)}</td><td>${number(p.up)}</td><td>${number(p.constant)}</td>` +
        `<td>${number(p.down)}</td><td class="${p.directionality === null ? "" : p.directionality >= 0 ? "up" : "down"}">` +
        `${cell(p.directionality)}</td><td>${cell(p.sentiment)}</td></tr>`,
    )
    .join("\n");
  return htmlPage({
    title: `goldpipe ${instrument} directionality index`,
    style: `  td.up { color: #1f8a4c; } td.down { color: #c0392b; }
  th:not(:first-child), td:not(:first-child) { text-align: right; }`,
    body:
      `<h1>${escapeHtml(instrument)} directionality index</h1>
<p class="meta">${EVERY[bucket]}, UTC days, ${span}: ${number(headlines)} headlines about ${escapeHtml(instrument)}, ` +
      `${number(directional)} of them stating a price move</p>
<section>
<h2>S = (up − down) / (up + constant + down), ${EVERY[bucket]}</h2>
${indexChartSvg(indexChart(series))}
<p class="meta">Each headline's price direction (up, constant, down, or none when it states no move) comes from the model's ` +
      `price_direction head. S is −1 when every headline stating a move says down and +1 when all say up (Sinha and Khandait, ` +
      `2021, arXiv:2009.04202, who find a day's S helps predict gold's move the next day).</p>
</section>
<section>
<h2>Per ${bucket}</h2>
<table>
<tr><th>${bucket === "day" ? "day" : `${bucket} of`}</th><th>headlines</th><th>up</th><th>constant</th><th>down</th><th>S</th>` +
      `<th>net sentiment</th></tr>
${rows}
</table>
</section>`,
  });
}
