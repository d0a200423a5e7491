import { describe, expect, it } from "vitest";
import type { DailyIndexRow } from "../../../../local/query/daily-index.ts";
import { indexChart, indexSeries } from "../../../../local/report/index-series.ts";

const day = (published_date: string, up: number, constant: number, down: number, none = 0, sentiment_index = 0): DailyIndexRow => {
  const directional = up + constant + down;
  return {
    published_date,
    symbol: "XAU",
    headlines: directional + none,
    headlines_up: up,
    headlines_constant: constant,
    headlines_down: down,
    directionality: directional === 0 ? null : (up - down) / directional,
    sentiment_index,
    confidence_weighted: 0,
  };
};

describe("indexSeries", () => {
  it("keeps days as they are over up to half a year", () => {
    const series = indexSeries("XAU", [day("2024-03-01", 3, 1, 0, 1, 0.4), day("2024-03-04", 0, 0, 0, 2, 0)]);
    expect(series).toEqual({
      instrument: "XAU",
      bucket: "day",
      points: [
        { at: "2024-03-01", headlines: 5, up: 3, constant: 1, down: 0, directionality: 0.75, sentiment: 0.4 },
        { at: "2024-03-04", headlines: 2, up: 0, constant: 0, down: 0, directionality: null, sentiment: 0 },
      ],
    });
  });

  it("sums a longer span by weeks from Monday, S from the summed counts, not an average of days", () => {
    // Sunday 2024-03-03 belongs to the week of Monday 2024-02-26; Monday 2024-03-04 starts the next.
    const rows = [
      day("2024-02-27", 1, 0, 0, 0, 1),
      day("2024-03-03", 0, 0, 3, 1, -0.5),
      day("2024-03-04", 2, 0, 0),
      day("2024-12-31", 0, 1, 0),
    ];
    const { bucket, points } = indexSeries("XAU", rows);
    expect(bucket).toBe("week");
    expect(points.map((p) => [p.at, p.headlines, p.directionality, p.sentiment])).toEqual([
      ["2024-02-26", 5, -0.5, -0.2],
      ["2024-03-04", 2, 1, 0],
      ["2024-12-30", 1, 0, 0],
    ]);
  });

  it("sums years by calendar month", () => {
    const { bucket, points } = indexSeries("XAU", [day("2019-01-31", 1, 0, 0), day("2019-01-02", 0, 0, 1), day("2023-06-15", 1, 1, 1)]);
    expect(bucket).toBe("month");
    expect(points.map((p) => [p.at, p.directionality])).toEqual([
      ["2019-01-01", 0],
      ["2023-06-01", 0],
    ]);
  });

  it("is empty without rows", () => {
    expect(indexSeries("XAG", [])).toEqual({ instrument: "XAG", bucket: "day", points: [] });
  });
});

describe("indexChart", () => {
  it("plots S over the headline counts, with the counts behind S in each tooltip", () => {
    const chart = indexChart(indexSeries("XAU", [day("2024-03-01", 3, 1, 0, 1, 0.4), day("2024-03-02", 0, 0, 0, 2)]));
    expect(chart.points).toEqual([
      {
        at: "2024-03-01T00:00:00Z",
        headlines: 5,
        index: 0.75,
        detail: "S 0.750 (3 up, 1 constant, 0 down of 5), net sentiment 0.400",
      },
      { at: "2024-03-02T00:00:00Z", headlines: 2, index: null, detail: "S none (0 up, 0 constant, 0 down of 2), net sentiment 0.000" },
    ]);
    expect(chart.empty).toBe("No headlines about XAU in this range.");
  });
});
