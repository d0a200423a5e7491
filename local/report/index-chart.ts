import { escapeHtml } from "./page.ts";

export type Bucket = "hour" | "day" | "week" | "month";
export const EVERY: Record<Bucket, string> = { hour: "hourly", day: "daily", week: "weekly", month: "monthly" };

/** One bucket of time on the chart. */
export interface ChartPoint {
  /** Start of the bucket, UTC, ISO 8601. */
  at: string;
  headlines: number;
  /** −1 to 1; null where the bucket's headlines give no index (no dot, and the line breaks). */
  index: number | null;
  /** The dot's tooltip after the bucket's start, e.g. "index 0.250 (3 up, 1 down of 5)". */
  detail: string;
}

export interface IndexChart {
  bucket: Bucket;
  points: ChartPoint[];
  /** Under the chart: what the line is. */
  indexLabel: string;
  /** Shown instead of the chart when there are no points. */
  empty: string;
}

const WIDTH = 920;
const HEIGHT = 320;
const MARGIN = { top: 16, right: 64, bottom: 40, left: 48 };

/** Where a bucket that starts at t ends: buckets are hours, days, weeks (from a Monday) or calendar months, in UTC. */
export function bucketEnd(bucket: Bucket, t: number): number {
  if (bucket === "month") {
    const start = new Date(t);
    return Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
  }
  return t + { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 }[bucket];
}

/**
 * An index from −1 to 1 (left axis) as a line with a dot per bucket, green at or above zero and red
 * below, over grey bars of the bucket's headline count (right axis). Time runs to scale, so a quiet
 * stretch shows as a gap, and the line does not bridge it.
 */
export function indexChartSvg({ bucket, points, indexLabel, empty }: IndexChart): string {
  if (points.length === 0) return `<p>${escapeHtml(empty)}</p>`;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const starts = points.map((p) => Date.parse(p.at));
  const ends = starts.map((t) => bucketEnd(bucket, t));
  const start = starts[0]!;
  const end = ends[ends.length - 1]!;
  const x = (t: number) => MARGIN.left + ((t - start) / (end - start)) * plotWidth;
  const y = (index: number) => MARGIN.top + ((1 - index) / 2) * plotHeight;
  const maxCount = Math.max(...points.map((p) => p.headlines));
  const barHeight = (n: number) => (n / maxCount) * plotHeight;
  const centre = (i: number) => (x(starts[i]!) + x(ends[i]!)) / 2;

  const bars = points
    .map((p, i) => {
      const width = Math.max(1, (x(ends[i]!) - x(starts[i]!)) * 0.8);
      const h = barHeight(p.headlines);
      return (
        `<rect x="${fmt(centre(i) - width / 2)}" y="${fmt(MARGIN.top + plotHeight - h)}" ` +
        `width="${fmt(width)}" height="${fmt(h)}" fill="#e3e7ee">` +
        `<title>${escapeHtml(p.at)}: ${p.headlines} headlines</title></rect>`
      );
    })
    .join("");
  const line = points
    .map((p, i) => {
      if (p.index === null) return "";
      const joined = i > 0 && points[i - 1]!.index !== null && starts[i]! <= ends[i - 1]!;
      return `${joined ? "L" : "M"}${fmt(centre(i))},${fmt(y(p.index))}`;
    })
    .filter(Boolean)
    .join(" ");
  const dots = points
    .map((p, i) =>
      p.index === null
        ? ""
        : `<circle cx="${fmt(centre(i))}" cy="${fmt(y(p.index))}" r="3.5" fill="${p.index >= 0 ? "#1f8a4c" : "#c0392b"}">` +
          `<title>${escapeHtml(p.at)}: ${escapeHtml(p.detail)}</title></circle>`,
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
  // Evenly spaced in time from the first bucket's start to the last's, each under the middle of a bucket
  // (months, whose lengths differ, under the middle of the month starting nearest).
  const lastWidth = end - starts[starts.length - 1]!;
  const tickCount = Math.min(6, points.length);
  const timeTicks = Array.from({ length: tickCount }, (_, k) => {
    let t = start + ((end - lastWidth - start) * k) / Math.max(1, tickCount - 1);
    if (bucket === "month") t = nearestMonthStart(t);
    const iso = new Date(t).toISOString();
    const label = bucket === "hour" ? iso.slice(5, 16).replace("T", " ") : bucket === "month" ? iso.slice(0, 7) : iso.slice(0, 10);
    const middle = bucket === "month" ? (x(t) + x(bucketEnd(bucket, t))) / 2 : x(t + lastWidth / 2);
    return `<text x="${fmt(middle)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle">${label}</text>`;
  }).join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" ` +
    `aria-label="${escapeHtml(indexLabel)} and headline count over time">
${bars}${leftTicks}${rightTicks}${timeTicks}
<path d="${line}" fill="none" stroke="#34495e" stroke-width="1.5"/>${dots}
<text x="${MARGIN.left}" y="${HEIGHT - 6}">${escapeHtml(indexLabel)}</text>
<text x="${MARGIN.left + plotWidth}" y="${HEIGHT - 6}" text-anchor="end">grey bars: headlines per ${bucket}</text>
</svg>`
  );
}

function nearestMonthStart(t: number): number {
  const date = new Date(t);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + (date.getUTCDate() > 15 ? 1 : 0), 1);
}

const fmt = (value: number) => value.toFixed(1);
