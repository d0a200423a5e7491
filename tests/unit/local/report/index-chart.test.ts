import { describe, expect, it } from "vitest";
import { bucketEnd, type ChartPoint, indexChartSvg } from "../../../../local/report/index-chart.ts";

const point = (at: string, index: number | null, headlines: number): ChartPoint => ({ at, index, headlines, detail: `index ${index}` });
const chart = (bucket: "hour" | "day" | "week" | "month", points: ChartPoint[]) =>
  indexChartSvg({ bucket, points, indexLabel: "the <index>", empty: "Nothing & nobody." });

describe("indexChartSvg", () => {
  it("draws a dot per bucket, green at or above zero and red below, over bars scaled to the busiest bucket", () => {
    const svg = chart("day", [
      point("2024-03-01T00:00:00Z", 0.5, 4),
      point("2024-03-02T00:00:00Z", -1, 2),
      point("2024-03-05T00:00:00Z", 0, 8),
    ]);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.match(/fill="#1f8a4c"/g)).toHaveLength(2);
    expect(svg.match(/fill="#c0392b"/g)).toHaveLength(1);
    const heights = [...svg.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights[2]).toBeCloseTo(heights[0]! * 2, 0);
    // Time to scale: the gap between the 2nd and the 5th is three buckets wide...
    const xs = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs[2]! - xs[1]!).toBeCloseTo((xs[1]! - xs[0]!) * 3, 0);
    // ...and the line does not bridge the days without headlines.
    expect(svg.match(/<path d="([^"]*)"/)![1]!.match(/M/g)).toHaveLength(2);
    expect(svg).toContain("<title>2024-03-02T00:00:00Z: index -1</title>");
    expect(svg).toContain("the &lt;index&gt;</text>");
  });

  it("leaves out the dot of a bucket with no index and breaks the line there, keeping its bar", () => {
    const svg = chart("day", [
      point("2024-03-01T00:00:00Z", 0.5, 4),
      point("2024-03-02T00:00:00Z", null, 3),
      point("2024-03-03T00:00:00Z", -0.5, 2),
    ]);
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg.match(/<rect /g)).toHaveLength(3);
    expect(svg.match(/<path d="([^"]*)"/)![1]!.match(/M/g)).toHaveLength(2);
  });

  it("gives calendar months their own widths and labels them by month", () => {
    const svg = chart("month", [
      point("2024-01-01T00:00:00Z", 0.2, 5),
      point("2024-02-01T00:00:00Z", 0.1, 5),
      point("2024-03-01T00:00:00Z", 0, 5),
    ]);
    const widths = [...svg.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths[0]! / widths[1]!).toBeCloseTo(31 / 29, 1);
    expect(svg).toContain(">2024-02</text>");
    expect(svg.match(/<path d="([^"]*)"/)![1]!.match(/M/g)).toHaveLength(1);
  });

  it("copes with one bucket and with none", () => {
    expect(chart("hour", [point("2024-03-01T10:00:00Z", 1, 1)]).match(/<circle /g)).toHaveLength(1);
    expect(chart("day", [])).toBe("<p>Nothing &amp; nobody.</p>");
  });
});

describe("bucketEnd", () => {
  it("ends hours, days and weeks after their length, and months on the first of the next", () => {
    const t = Date.parse("2024-01-31T00:00:00Z");
    expect(new Date(bucketEnd("hour", t)).toISOString()).toBe("2024-01-31T01:00:00.000Z");
    expect(new Date(bucketEnd("day", t)).toISOString()).toBe("2024-02-01T00:00:00.000Z");
    expect(new Date(bucketEnd("week", t)).toISOString()).toBe("2024-02-07T00:00:00.000Z");
    expect(new Date(bucketEnd("month", Date.parse("2024-12-01T00:00:00Z"))).toISOString()).toBe("2025-01-01T00:00:00.000Z");
  });
});
