import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadInputError } from "../../../../functions/core/errors.ts";
import { queryLake } from "../../../../local/query/lake-catalog.ts";
import { namedQueries, namedQuery, parseNamedQuery } from "../../../../local/query/named-queries.ts";
import { namedQueryLake } from "../../../support/named-query-lake.ts";
import { mergedLake, scoredHeadline } from "../../../support/scored-fixtures.ts";

let lake: string;
beforeAll(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-named-test-"));
  await namedQueryLake(lake);
});
afterAll(async () => {
  await rm(lake, { recursive: true, force: true });
});

const run = async (name: string, params: (string | null)[] = []) => (await queryLake(lake, (await namedQuery(name)).sql, params)).rows;

describe("named queries (sql/named/)", () => {
  it("are listed with a summary and their parameters", async () => {
    const all = await namedQueries();
    expect(all.map((q) => q.name)).toEqual(["daily-index", "hourly-index", "label-distribution", "most-negative"]);
    expect(all.every((q) => q.summary.length > 20)).toBe(true);
    expect(all.find((q) => q.name === "most-negative")!.params).toEqual([
      { name: "date", description: "the UTC day, YYYY-MM-DD (default: the latest day in the lake)" },
    ]);
    expect(all.find((q) => q.name === "daily-index")!.params.map((p) => p.name)).toEqual(["from", "to", "instrument"]);
    expect(all.find((q) => q.name === "hourly-index")!.params.map((p) => p.name)).toEqual(["from", "to", "instrument"]);
  });

  const counts = (up: number, constant: number, down: number) => ({ headlines_up: up, headlines_constant: constant, headlines_down: down });

  it("daily-index: per UTC day and symbol, directionality (up - down) / (up + constant + down) beside net sentiment", async () => {
    expect(await run("daily-index", [null, null, null])).toEqual([
      {
        published_date: "2024-03-01",
        symbol: "GLD",
        headlines: 2,
        ...counts(1, 0, 0),
        directionality: 1,
        sentiment_index: 0,
        confidence_weighted: -0.025,
      },
      {
        published_date: "2024-03-01",
        symbol: "XAUUSD",
        headlines: 2,
        ...counts(1, 0, 1),
        directionality: 0,
        sentiment_index: 0,
        confidence_weighted: 0.05,
      },
      {
        published_date: "2024-03-02",
        symbol: "XAUUSD",
        headlines: 2,
        ...counts(0, 1, 1),
        directionality: -0.5,
        sentiment_index: -0.5,
        confidence_weighted: -0.35,
      },
      {
        published_date: "2024-07-01",
        symbol: "XAU",
        headlines: 1,
        ...counts(0, 0, 1),
        directionality: -1,
        sentiment_index: -1,
        confidence_weighted: -0.75,
      },
    ]);
  });

  it("daily-index: a date range and one instrument, however it is cased", async () => {
    expect((await run("daily-index", ["2024-03-02", null, "xauusd"])).map((r) => [r.published_date, r.symbol])).toEqual([
      ["2024-03-02", "XAUUSD"],
    ]);
    expect((await run("daily-index", [null, "2024-03-01", null])).map((r) => [r.published_date, r.symbol])).toEqual([
      ["2024-03-01", "GLD"],
      ["2024-03-01", "XAUUSD"],
    ]);
    expect(await run("daily-index", ["2024-03-03", "2024-06-30", null])).toEqual([]);
  });

  it("hourly-index: per UTC hour and symbol, with the New York hour beside it in winter and in summer time", async () => {
    expect(await run("hourly-index", ["2024-03-01", "2024-03-01", "GLD"])).toEqual([
      {
        hour_utc: "2024-03-01 10:00:00",
        hour_new_york: "2024-03-01 05:00:00",
        symbol: "GLD",
        headlines: 1,
        ...counts(1, 0, 0),
        directionality: 1,
        sentiment_index: 1,
        confidence_weighted: 0.9,
      },
      {
        hour_utc: "2024-03-01 12:00:00",
        hour_new_york: "2024-03-01 07:00:00",
        symbol: "GLD",
        headlines: 1,
        ...counts(0, 0, 0),
        directionality: null,
        sentiment_index: -1,
        confidence_weighted: -0.95,
      },
    ]);
    expect((await run("hourly-index", ["2024-07-01", null, null])).map((r) => [r.hour_utc, r.hour_new_york, r.symbol])).toEqual([
      ["2024-07-01 03:00:00", "2024-06-30 23:00:00", "XAU"],
    ]);
  });

  it("most-negative: the day's negative headlines, most confident first; the latest day by default", async () => {
    expect((await run("most-negative", ["2024-03-01"])).map((r) => [r.headline, r.score])).toEqual([
      ["GLD outflows hit a record", 0.95],
      ["Gold slides after strong payrolls", 0.8],
    ]);
    expect((await run("most-negative", [null])).map((r) => r.headline)).toEqual(["Gold slips in late New York trade"]);
    expect(await run("most-negative", ["2023-01-01"])).toEqual([]);
  });

  it("label-distribution: each label's share of its source's headlines", async () => {
    expect(await run("label-distribution")).toEqual([
      { source: "(none)", label: "negative", headlines: 1, share_pct: 100 },
      { source: "blog", label: "negative", headlines: 1, share_pct: 50 },
      { source: "blog", label: "neutral", headlines: 1, share_pct: 50 },
      { source: "wire", label: "negative", headlines: 2, share_pct: 66.67 },
      { source: "wire", label: "positive", headlines: 1, share_pct: 33.33 },
    ]);
  });

  it("an unknown name lists the ones there are", async () => {
    await expect(namedQuery("nope")).rejects.toThrow(BadInputError);
    await expect(namedQuery("nope")).rejects.toMatchObject({
      hint: "the named queries are: daily-index, hourly-index, label-distribution, most-negative",
    });
  });

  it("a query whose placeholders and declared parameters disagree is refused", () => {
    expect(() => parseNamedQuery("broken", "-- Broken.\nSELECT ? AS a")).toThrow(/1 placeholders but 0 declared parameters/);
  });
});

describe("hourly-index's New York hour", () => {
  // Either side of each switch to and from daylight time, under the rules before 2007 and since.
  const instants = [
    "2006-04-02T06:59:00Z",
    "2006-04-02T07:00:00Z",
    "2006-10-29T05:59:00Z",
    "2006-10-29T06:00:00Z",
    "2007-03-11T06:59:00Z",
    "2007-03-11T07:00:00Z",
    "2007-11-04T05:59:00Z",
    "2007-11-04T06:00:00Z",
    "2019-01-01T03:30:00Z",
    "2019-12-31T23:30:00Z",
    "2024-03-10T06:30:00Z",
    "2024-03-10T07:30:00Z",
    "2024-11-03T05:30:00Z",
    "2024-11-03T06:30:00Z",
  ];
  let dstLake: string;
  beforeAll(async () => {
    dstLake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-named-dst-test-"));
    await mergedLake(dstLake, {
      "run-dst": instants.map((published_at, i) => scoredHeadline({ id: `d${i}`, published_at, symbols: ["XAU"] })),
    });
  });
  afterAll(() => rm(dstLake, { recursive: true, force: true }));

  /** The wall-clock time in New York at a UTC instant, as the time zone database has it. */
  const newYork = (utc: string) =>
    new Intl.DateTimeFormat("sv-SE", { timeZone: "America/New_York", dateStyle: "short", timeStyle: "medium" }).format(new Date(utc));

  it("is the hour's wall-clock time there, EST or EDT as US law had it on the day", async () => {
    const rows = (await queryLake(dstLake, (await namedQuery("hourly-index")).sql, [null, null, null])).rows;
    const hourStarts = instants.map((t) => `${t.slice(0, 13)}:00:00Z`);
    expect(rows.map((r) => r.hour_new_york)).toEqual(hourStarts.map(newYork));
    expect(rows.map((r) => r.hour_utc)).toEqual(hourStarts.map((t) => t.replace("T", " ").slice(0, 19)));
  });
});
