import type { DailyIndexRow } from "../query/daily-index.ts";
import type { IndexChart } from "./index-chart.ts";

/** One bucket of the index: its headlines, their price directions and the directionality S. */
export interface IndexPoint {
  /** First day of the bucket, YYYY-MM-DD (UTC). */
  at: string;
  headlines: number;
  up: number;
  constant: number;
  down: number;
  /** (up − down) / (up + constant + down); null when no headline of the bucket states a price move. */
  directionality: number | null;
  /** Net sentiment, (positive − negative) / headlines. */
  sentiment: number;
}

export interface IndexSeries {
  instrument: string;
  bucket: "day" | "week" | "month";
  points: IndexPoint[];
}

const DAY_MS = 86_400_000;

/**
 * The daily rows in buckets a chart shows at a glance: days for up to half a year, weeks (from
 * Monday) for up to three years, months beyond. A bucket's S comes from its summed counts.
 */
export function indexSeries(instrument: string, rows: DailyIndexRow[]): IndexSeries {
  const days = rows.map((r) => Date.parse(r.published_date));
  const span = rows.length === 0 ? 0 : (Math.max(...days) - Math.min(...days)) / DAY_MS;
  const bucket = span <= 183 ? "day" : span <= 3 * 366 ? "week" : "month";
  const byStart = new Map<string, { headlines: number; up: number; constant: number; down: number; net: number }>();
  rows.forEach((row, i) => {
    const at = bucketStart(bucket, days[i]!);
    const sum = byStart.get(at) ?? { headlines: 0, up: 0, constant: 0, down: 0, net: 0 };
    sum.headlines += row.headlines;
    sum.up += row.headlines_up;
    sum.constant += row.headlines_constant;
    sum.down += row.headlines_down;
    sum.net += row.sentiment_index * row.headlines;
    byStart.set(at, sum);
  });
  const points = [...byStart.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([at, { headlines, up, constant, down, net }]) => ({
      at,
      headlines,
      up,
      constant,
      down,
      directionality: up + constant + down === 0 ? null : round4((up - down) / (up + constant + down)),
      sentiment: round4(net / headlines),
    }));
  return { instrument, bucket, points };
}

function bucketStart(bucket: IndexSeries["bucket"], day: number): string {
  const date = new Date(day);
  if (bucket === "month") return date.toISOString().slice(0, 8) + "01";
  if (bucket === "week") return new Date(day - ((date.getUTCDay() + 6) % 7) * DAY_MS).toISOString().slice(0, 10);
  return date.toISOString().slice(0, 10);
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

/** The series as the chart draws it: S as the line, headline counts as the bars. */
export function indexChart(series: IndexSeries): IndexChart {
  return {
    bucket: series.bucket,
    points: series.points.map((p) => ({
      at: `${p.at}T00:00:00Z`,
      headlines: p.headlines,
      index: p.directionality,
      detail:
        `S ${p.directionality === null ? "none" : p.directionality.toFixed(3)} ` +
        `(${p.up} up, ${p.constant} constant, ${p.down} down of ${p.headlines}), net sentiment ${p.sentiment.toFixed(3)}`,
    })),
    indexLabel: "directionality S = (up − down) / (up + constant + down)",
    empty: `No headlines about ${series.instrument} in this range.`,
  };
}
