import { number } from "./text.ts";
import type { IndexPoint, IndexSeries } from "./index-series.ts";
import { EVERY } from "./index-chart.ts";

/** Characters on each side of the zero line of a bar. */
const HALF_BAR = 10;

/**
 * The index for a terminal: a line per bucket with its headline counts, S, and S as a bar that
 * grows left of the centre line for down and right for up.
 */
export function formatIndexText(series: IndexSeries): string {
  if (series.points.length === 0) return `no headlines about ${series.instrument} in this range\n`;
  const first = series.points[0]!.at;
  const last = series.points[series.points.length - 1]!.at;
  const headlines = series.points.reduce((sum, p) => sum + p.headlines, 0);
  const lines = [
    `${series.instrument} directionality index, ${EVERY[series.bucket]} (UTC), ${first === last ? first : `${first} to ${last}`}: ` +
      `${number(headlines)} headlines`,
    "S = (up − down) / (up + constant + down) of the headlines' price direction: −1 all down, +1 all up",
    "",
    `${series.bucket === "day" ? "day" : `${series.bucket} of`}`.padEnd(12) +
      `${"headlines".padStart(10)}${"up".padStart(7)}${"const".padStart(7)}${"down".padStart(7)}${"S".padStart(8)}  ` +
      `${"down".padEnd(HALF_BAR)}|${"up".padStart(HALF_BAR)}`,
    ...series.points.map(
      (p) =>
        p.at.padEnd(12) +
        `${number(p.headlines).padStart(10)}${number(p.up).padStart(7)}${number(p.constant).padStart(7)}${number(p.down).padStart(7)}` +
        `${(p.directionality === null ? "—" : signed(p.directionality)).padStart(8)}  ${bar(p)}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

function bar({ directionality }: IndexPoint): string {
  if (directionality === null) return `${" ".repeat(HALF_BAR)}|  no price move stated`;
  const cells = Math.round(Math.abs(directionality) * HALF_BAR);
  const down = directionality < 0 ? "█".repeat(cells) : "";
  const up = directionality > 0 ? "█".repeat(cells) : "";
  return `${down.padStart(HALF_BAR)}|${up}`;
}

const signed = (value: number) => `${value > 0 ? "+" : value < 0 ? "−" : ""}${Math.abs(value).toFixed(3)}`;
