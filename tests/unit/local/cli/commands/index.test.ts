import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { GetQueryResultsCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { namedQuery } from "../../../../../local/query/named-queries.ts";
import { athenaOnTestStack } from "../../../../support/athena-stack.ts";
import { goldpipe } from "../../../../support/cli.ts";
import { namedQueryLake } from "../../../../support/named-query-lake.ts";

let lake: string;
beforeAll(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-index-test-"));
  await namedQueryLake(lake);
});
afterAll(async () => {
  await rm(lake, { recursive: true, force: true });
});

describe("goldpipe index", () => {
  it("charts one instrument's directionality per day in the terminal", async () => {
    const { code, stdout } = await goldpipe("index", "--instrument", "xauusd", "--lake", lake);
    expect(code).toBe(0);
    expect(stdout.split("\n").slice(0, 6)).toEqual([
      "XAUUSD directionality index, daily (UTC), 2024-03-01 to 2024-03-02: 4 headlines",
      "S = (up − down) / (up + constant + down) of the headlines' price direction: −1 all down, +1 all up",
      "",
      "day          headlines     up  const   down       S  down      |        up",
      "2024-03-01           2      1      0      1   0.000            |",
      "2024-03-02           2      0      1      1  −0.500       █████|",
    ]);
  });

  it("is gold's index unless told, over the range asked for; --json gives the days behind it", async () => {
    const { code, stdout } = await goldpipe("index", "--from", "2024-07-01", "--to", "2024-07-31", "--lake", lake, "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      instrument: "XAU",
      from: "2024-07-01",
      to: "2024-07-31",
      days: [
        {
          published_date: "2024-07-01",
          symbol: "XAU",
          headlines: 1,
          headlines_up: 0,
          headlines_constant: 0,
          headlines_down: 1,
          directionality: -1,
          sentiment_index: -1,
          confidence_weighted: -0.75,
        },
      ],
    });
  });

  it("--html writes the chart as a self-contained page", async () => {
    const file = path.join(lake, "index.html");
    const { code, stderr } = await goldpipe("index", "--instrument", "GLD", "--html", file, "--lake", lake);
    expect(code).toBe(0);
    expect(stderr).toBe(`wrote ${file}\n`);
    const html = await readFile(file, "utf8");
    expect(html).toContain("<h1>GLD directionality index</h1>");
    expect(html).toContain("<title>2024-03-01T00:00:00Z: S 1.000 (1 up, 0 constant, 0 down of 2), net sentiment 0.000</title>");
  });

  it("says when there is nothing about the instrument", async () => {
    const { code, stdout } = await goldpipe("index", "--instrument", "XPD", "--lake", lake);
    expect(code).toBe(0);
    expect(stdout).toBe("no headlines about XPD in this range\n");
  });

  it.each([
    [["index", "--from", "2024-02-30"], /--from 2024-02-30 is not a calendar date \(write it as YYYY-MM-DD/],
    [
      ["index", "--from", "2024-03-02", "--to", "2024-03-01"],
      /--from 2024-03-02 is after --to 2024-03-01 \(give the earlier day as --from\)/,
    ],
    [["index", "XAU"], /goldpipe index takes no arguments, only options \(got "XAU"\)/],
  ])("%j: exit 2 with what to do", async (args, message) => {
    const { code, stderr } = await goldpipe(...args, "--lake", lake);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe("goldpipe index --aws", () => {
  const athena = athenaOnTestStack();
  beforeEach(() => {
    const columns = { published_date: "date", symbol: "varchar", headlines: "bigint", headlines_up: "bigint" };
    const more = { headlines_constant: "bigint", headlines_down: "bigint", directionality: "double" };
    const last = { sentiment_index: "double", confidence_weighted: "double" };
    const info = Object.entries({ ...columns, ...more, ...last }).map(([Name, Type]) => ({ Name, Type }));
    const row = (...values: string[]) => ({ Data: values.map((VarCharValue) => ({ VarCharValue })) });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: info },
        Rows: [row(...info.map((c) => c.Name)), row("2024-03-01", "XAU", "10", "6", "1", "2", "0.4444", "0.3", "0.2")],
      },
    });
  });

  it("runs the daily-index named query on the stage's Athena, with the range and instrument as parameters", async () => {
    const { code, stdout } = await goldpipe("index", "--from", "2024-03-01", "--aws", "--stage", "test");
    expect(code).toBe(0);
    expect(stdout).toContain("2024-03-01          10      6      1      2  +0.444            |████");
    const start = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(start.QueryString).toBe((await namedQuery("daily-index")).sql);
    expect(start.ExecutionParameters).toEqual(["'2024-03-01'", "NULL", "'XAU'"]);
    expect(start.WorkGroup).toBe("goldpipe-test");
  });
});
