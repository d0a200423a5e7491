import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadInputError } from "../../../../functions/core/errors.ts";
import { duckdbType, refreshStatements } from "../../../../functions/core/lake/lake-table.ts";
import { queryLake, refreshLocalCatalog } from "../../../../local/query/lake-catalog.ts";
import { repositoryTableDefinition } from "../../../../local/query/table-definition.ts";
import { mergedLake, scoredHeadline } from "../../../support/scored-fixtures.ts";

let lake: string;
beforeEach(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-catalog-test-"));
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

describe("the local catalog", () => {
  it("has the table, typed as the definition says, even before anything is curated", async () => {
    const table = repositoryTableDefinition();
    expect((await queryLake(lake, "SELECT * FROM goldpipe.headline_sentiment")).rows).toEqual([]);
    const described = await queryLake(lake, "SELECT column_name, column_type FROM (DESCRIBE headline_sentiment)");
    expect(described.rows.map((r) => [r.column_name, r.column_type])).toEqual(
      [...table.Columns, ...table.PartitionKeys].map((c) => [c.Name, duckdbType(c.Type)]),
    );
  });

  it("reads the curated Parquet with the table's types, qualified or not, partition keys as numbers", async () => {
    await mergedLake(lake, {
      "run-a": [
        scoredHeadline({ id: "h1", published_at: "2024-03-09T10:00:00Z" }),
        scoredHeadline({ id: "h2", published_at: "2024-04-01T10:00:00Z" }),
      ],
    });
    const table = repositoryTableDefinition();
    const described = await queryLake(lake, "SELECT column_name, column_type FROM (DESCRIBE headline_sentiment)");
    expect(described.rows.map((r) => [r.column_name, r.column_type])).toEqual(
      [...table.Columns, ...table.PartitionKeys].map((c) => [c.Name, duckdbType(c.Type)]),
    );
    const march = await queryLake(
      lake,
      "SELECT id FROM goldpipe.headline_sentiment WHERE year = 2024 AND month = 3 AND day BETWEEN 1 AND 9",
    );
    expect(march.rows).toEqual([{ id: "h1" }]);
  });

  it("answers bad SQL with DuckDB's message as bad input", async () => {
    await expect(queryLake(lake, "SELEC 1")).rejects.toThrow(BadInputError);
    await expect(queryLake(lake, "SELECT nope FROM headline_sentiment")).rejects.toThrow(/Referenced column "nope" not found/);
  });
});

describe("refreshLocalCatalog", () => {
  it("runs a refresh statement's SELECT equivalent: every partition it registers is visible, with its rows", async () => {
    await mergedLake(lake, {
      "run-a": [
        scoredHeadline({ id: "h1", published_at: "2024-03-01T23:59:59Z" }),
        scoredHeadline({ id: "h2", published_at: "2024-03-01T01:00:00Z" }),
        scoredHeadline({ id: "h3", published_at: "2024-03-02T00:00:00Z" }),
      ],
    });
    const [statement] = refreshStatements(
      "goldpipe.headline_sentiment",
      [
        { year: 2024, month: 3, day: 1 },
        { year: 2024, month: 3, day: 2 },
      ],
      "s3://lake-bucket/",
    );
    expect(await refreshLocalCatalog(lake, statement!)).toEqual({
      partitions: [
        { year: 2024, month: 3, day: 1, rows: 2 },
        { year: 2024, month: 3, day: 2, rows: 1 },
      ],
    });
    await expect(refreshLocalCatalog(lake, "MSCK REPAIR TABLE goldpipe.headline_sentiment")).rejects.toThrow(/not a partition refresh/);
  });

  it("fails when a partition the statement names is not visible", async () => {
    await mergedLake(lake, { "run-a": [scoredHeadline({ id: "h1", published_at: "2024-03-01T10:00:00Z" })] });
    const [statement] = refreshStatements(
      "goldpipe.headline_sentiment",
      [
        { year: 2024, month: 3, day: 1 },
        { year: 2024, month: 3, day: 7 },
      ],
      "s3://lake-bucket/",
    );
    await expect(refreshLocalCatalog(lake, statement!)).rejects.toThrow(/partitions 2024-3-7 hold no rows/);
  });
});
