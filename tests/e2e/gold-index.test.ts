import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartLayout, withPage } from "../support/browser.ts";
import { GOLD_HEADLINES_TSV, HAS_GOLD_HEADLINES } from "../support/gold-headlines.ts";
import { namedQueryLake } from "../support/named-query-lake.ts";
import { buildTinyModel, goldpipe } from "../support/pipeline-fixtures.ts";

let workdir: string;
beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-gold-index-"));
});
afterAll(() => rm(workdir, { recursive: true, force: true }));

type Layout = NonNullable<Awaited<ReturnType<typeof chartLayout>>>;

/** A chart a person can read: drawn at a readable size, every dot and bar inside it, the time labels apart. */
function expectReadable(layout: Layout | null, dots: number, bars: number) {
  expect(layout).not.toBeNull();
  const { svg, timeLabels } = layout!;
  expect(svg.width).toBeGreaterThan(800);
  expect(svg.height).toBeGreaterThan(250);
  expect(layout!.dots).toHaveLength(dots);
  expect(layout!.bars).toHaveLength(bars);
  for (const mark of [...layout!.dots, ...layout!.bars]) {
    expect(mark.left).toBeGreaterThanOrEqual(svg.left - 0.5);
    expect(mark.right).toBeLessThanOrEqual(svg.right + 0.5);
    expect(mark.top).toBeGreaterThanOrEqual(svg.top - 0.5);
    expect(mark.bottom).toBeLessThanOrEqual(svg.bottom + 0.5);
  }
  expect(layout!.bars.every((bar) => bar.height >= 0)).toBe(true);
  const sorted = [...timeLabels].sort((a, b) => a.left - b.left);
  expect(sorted.length).toBeGreaterThan(0);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.left).toBeGreaterThan(sorted[i - 1]!.right);
  expect(layout!.hasLegend).toBe(true);
}

describe("goldpipe index --html in a real browser", () => {
  it("draws each day's S over its headline count, inside the chart, with the figures beneath", async () => {
    const lake = path.join(workdir, "small-lake");
    await namedQueryLake(lake);
    const file = path.join(workdir, "index.html");
    expect((await goldpipe(["index", "--instrument", "XAUUSD", "--html", file, "--lake", lake])).code).toBe(0);

    await withPage(file, async (page) => {
      expect(await page.title()).toBe("goldpipe XAUUSD directionality index");
      expect(await page.locator("h1").textContent()).toBe("XAUUSD directionality index");
      expect(await page.locator("h1").isVisible()).toBe(true);
      expectReadable(await chartLayout(page, "S = "), 2, 2);
      expect(await page.locator("table tr").count()).toBe(3);
      expect(await page.locator("table tr:nth-child(3) td").allTextContents()).toEqual([
        "2024-03-02",
        "2",
        "0",
        "1",
        "1",
        "-0.500",
        "-0.500",
      ]);
    });
  });
});

describe.skipIf(!HAS_GOLD_HEADLINES)("the gold index on the shared gold headlines (2000–2019)", () => {
  let lake: string;
  let runId: string;
  beforeAll(async () => {
    lake = path.join(workdir, "gold-lake");
    const model = await buildTinyModel(workdir);
    const run = await goldpipe(["run", GOLD_HEADLINES_TSV, "--model", model, "--shard-size", "5000", "--lake", lake, "--json"]);
    expect(run.code).toBe(0);
    runId = JSON.parse(run.stdout).run_id;
  }, 600_000); // the whole pipeline over 8,456 headlines: a few minutes on a busy 2-core machine

  it("daily-index has gold rows for nearly every day that has headlines, though the file names no instrument", async () => {
    const gold = await goldpipe(["query", "--named", "daily-index", "--instrument", "XAU", "--lake", lake, "--json"]);
    const all = await goldpipe([
      "query",
      "SELECT count(DISTINCT CAST(published_at AS DATE)) AS days FROM headline_sentiment",
      "--lake",
      lake,
      "--json",
    ]);
    const goldDays = new Set(JSON.parse(gold.stdout).map((row: { published_date: string }) => row.published_date)).size;
    const [{ days }] = JSON.parse(all.stdout);
    expect(days).toBeGreaterThan(3000);
    expect(goldDays / days).toBeGreaterThanOrEqual(0.97);
  });

  it("goldpipe index and report --html draw the twenty years readably", async () => {
    const index = path.join(workdir, "gold-index.html");
    expect((await goldpipe(["index", "--html", index, "--lake", lake])).code).toBe(0);
    await withPage(index, async (page) => {
      const months = await page.locator("table tr").count();
      expect(months).toBeGreaterThan(200);
      const layout = await chartLayout(page, "S = ");
      expectReadable(layout, layout!.dots.length, months - 1);
      expect(layout!.dots.length).toBeGreaterThan(200);
    });

    const report = path.join(workdir, "report.html");
    expect((await goldpipe(["report", runId, "--html", report, "--lake", lake])).code).toBe(0);
    await withPage(report, async (page) => {
      const layout = await chartLayout(page, "XAU directionality index");
      expectReadable(layout, layout!.dots.length, layout!.bars.length);
      expect(layout!.bars.length).toBeGreaterThan(200);
      expect(await page.locator("h1").textContent()).toContain(runId);
    });
  });
});
