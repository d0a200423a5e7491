import { mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
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
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-query-test-"));
  await namedQueryLake(lake);
});
afterAll(async () => {
  await rm(lake, { recursive: true, force: true });
});

describe("goldpipe query", () => {
  it("prints a readable table: aligned columns, numbers to the right, the row count", async () => {
    const { code, stdout } = await goldpipe(
      "query",
      "SELECT id, score, symbols FROM headline_sentiment WHERE id IN ('n1', 'n2') ORDER BY id",
      "--lake",
      lake,
    );
    expect(code).toBe(0);
    expect(stdout).toBe(
      ["id  score  symbols", "──  ─────  ─────────────", "n1    0.9  [XAUUSD, GLD]", "n2    0.8  [XAUUSD]", "(2 rows)", ""].join("\n"),
    );
  });

  it("--json prints a JSON array of row objects", async () => {
    const { code, stdout } = await goldpipe(
      "query",
      "SELECT id, year, probs FROM headline_sentiment WHERE id = 'n3'",
      "--lake",
      lake,
      "--json",
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ id: "n3", year: 2024, probs: { positive: 0.05, neutral: 0.05, negative: 0.9 } }]);
  });

  it("--format csv quotes what needs quoting", async () => {
    const { stdout } = await goldpipe(
      "query",
      "SELECT id, headline, symbols FROM headline_sentiment WHERE id = 'n5'",
      "--lake",
      lake,
      "--format",
      "csv",
    );
    expect(stdout).toBe('id,headline,symbols\r\nn5,"Miners drop, ""bullion"" weak, again","[""XAUUSD""]"\r\n');
  });

  it("--named runs a named query, with --date for the ones that take a day", async () => {
    const { code, stdout } = await goldpipe("query", "--named", "most-negative", "--date", "2024-03-01", "--lake", lake, "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout).map((r: { headline: string }) => r.headline)).toEqual([
      "GLD outflows hit a record",
      "Gold slides after strong payrolls",
    ]);
    const index = await goldpipe("query", "--named", "daily-index", "--lake", lake);
    expect(index.stdout).toContain("2024-03-02      XAUUSD");
    const range = await goldpipe(
      "query",
      "--named",
      "daily-index",
      "--from",
      "2024-03-02",
      "--instrument",
      "xau",
      "--lake",
      lake,
      "--json",
    );
    expect(JSON.parse(range.stdout).map((r: { published_date: string; symbol: string }) => [r.published_date, r.symbol])).toEqual([
      ["2024-07-01", "XAU"],
    ]);
  });

  it("bad SQL: exit 2 with DuckDB's message and no stack trace", async () => {
    const { code, stdout, stderr } = await goldpipe("query", "SELECT nope FROM headline_sentiment", "--lake", lake);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/^goldpipe query: Binder Error: Referenced column "nope" not found/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [["query", "--named", "most-negative", "--date", "2024-02-30"], /--date 2024-02-30 is not a calendar date \(write it as YYYY-MM-DD/],
    [["query", "--named", "daily-index", "--to", "2024-13-01"], /--to 2024-13-01 is not a calendar date/],
    [
      ["query", "--named", "nope"],
      /no named query "nope" \(the named queries are: daily-index, hourly-index, label-distribution, most-negative\)/,
    ],
    [["query", "--named", "daily-index", "--date", "2024-03-01"], /the named query daily-index takes no --date/],
    [["query", "--named", "most-negative", "--instrument", "XAU"], /the named query most-negative takes no --instrument/],
    [["query", "SELECT 1", "--from", "2024-03-01"], /--from goes with --named; write it into your SQL/],
    [["query"], /give one SQL statement in quotes, or --named NAME \(daily-index, hourly-index, label-distribution, most-negative\)/],
    [["query", "SELECT 1", "--format", "xml"], /--format must be one of table, csv, json/],
    [["query", "SELECT 1", "--json", "--format", "csv"], /--json and --format csv disagree/],
  ])("%j: exit 2 with what to do", async (args, message) => {
    const { code, stderr } = await goldpipe(...args, "--lake", lake);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe("goldpipe query, confined to reading the lake", () => {
  it.each([
    ["COPY out of the lake", (out: string) => `COPY (SELECT * FROM headline_sentiment) TO '${out}/copy.csv'`, /Permission Error/],
    ["COPY into the lake", () => `COPY (SELECT 1 AS x) TO '${lake}/curated/headline_sentiment/evil.csv'`, /COPY statements are refused/],
    ["ATTACH", (out: string) => `ATTACH '${out}/x.duckdb' AS x`, /Permission Error|ATTACH statements are refused/],
    ["a file outside the lake", () => "SELECT * FROM read_csv('/etc/passwd')", /Permission Error/],
    ["turning the confinement off", () => "SET enable_external_access = true", /SET statements are refused/],
    ["a table of its own", () => "CREATE TABLE t AS SELECT 1", /CREATE statements are refused/],
  ])("refuses %s: exit 2, nothing written, and how to allow it", async (_, sql, message) => {
    const out = await mkdtemp(path.join(os.tmpdir(), "goldpipe-query-out-"));
    try {
      const { code, stdout, stderr } = await goldpipe("query", sql(out), "--lake", lake);
      expect(code, stderr).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(message);
      expect(stderr).toContain("--unrestricted");
      expect(await readdir(out)).toEqual([]);
      expect((await readdir(path.join(lake, "curated", "headline_sentiment"))).filter((f) => !f.startsWith("year="))).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("--unrestricted lets a query write a file where the user says", async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), "goldpipe-query-out-"));
    try {
      const sql = `COPY (SELECT id FROM headline_sentiment WHERE id = 'n1') TO '${out}/n1.csv'`;
      const { code, stderr } = await goldpipe("query", sql, "--lake", lake, "--unrestricted");
      expect(code, stderr).toBe(0);
      expect(await readFile(path.join(out, "n1.csv"), "utf8")).toBe("id\nn1\n");
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("answers SQL of several statements with an error rather than dropping all but one", async () => {
    const { code, stdout, stderr } = await goldpipe("query", "SELECT 1; SELECT 2", "--lake", lake);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/the SQL holds 2 statements; give one at a time/);
  });

  it("refuses a symbolic link among the curated files", async () => {
    const linked = await mkdtemp(path.join(os.tmpdir(), "goldpipe-query-link-"));
    try {
      await namedQueryLake(linked);
      const day = path.join(linked, "curated", "headline_sentiment", "year=2024", "month=03", "day=01");
      await symlink("/etc/passwd", path.join(day, "passwd.parquet"));
      const { code, stderr } = await goldpipe("query", "SELECT count(*) FROM headline_sentiment", "--lake", linked);
      expect(code).toBe(2);
      expect(stderr).toMatch(/passwd\.parquet is a symbolic link inside the lake's curated table/);
    } finally {
      await rm(linked, { recursive: true, force: true });
    }
  });
});

describe("goldpipe query --aws", () => {
  const athena = athenaOnTestStack();
  beforeEach(() => {
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: [
            { Name: "headline", Type: "varchar" },
            { Name: "score", Type: "double" },
          ],
        },
        Rows: [
          { Data: [{ VarCharValue: "headline" }, { VarCharValue: "score" }] },
          { Data: [{ VarCharValue: "GLD outflows hit a record" }, { VarCharValue: "0.95" }] },
        ],
      },
    });
  });

  it("runs the same named query on the stage's Athena workgroup and database", async () => {
    const { code, stdout, stderr } = await goldpipe(
      "query",
      "--named",
      "most-negative",
      "--date",
      "2024-03-01",
      "--aws",
      "--stage",
      "test",
      "--json",
    );
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ headline: "GLD outflows hit a record", score: 0.95 }]);
    const [start] = athena.commandCalls(StartQueryExecutionCommand);
    expect(start!.args[0].input).toEqual({
      QueryString: (await namedQuery("most-negative")).sql,
      WorkGroup: "goldpipe-test",
      QueryExecutionContext: { Database: "goldpipe_test" },
      ExecutionParameters: ["'2024-03-01'"],
    });
  });
});
