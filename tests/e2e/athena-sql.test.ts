import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createTableDdl, refreshStatements } from "../../functions/core/lake/lake-table.ts";
import { namedQueries } from "../../local/query/named-queries.ts";
import { repositoryTableDefinition } from "../../local/query/table-definition.ts";

/**
 * Every statement goldpipe sends to Athena, read by sqlglot's Athena dialect (tests/support/athena_sql.py): the
 * named queries, the table's DDL and the partition refresh. A query must also hold nothing that answers differently
 * on Athena (Trino) than on DuckDB: decimal literals, divisions with no DOUBLE side, the session's clock or zone.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface Statement {
  name: string;
  sql: string;
  kind: "query" | "ddl";
}

function problems(statements: Statement[]): { name: string; problem: string }[] {
  const out = execFileSync(path.join(ROOT, ".venv-tools/bin/python"), [path.join(ROOT, "tests/support/athena_sql.py")], {
    input: JSON.stringify(statements),
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out);
}

const days = (count: number) =>
  Array.from({ length: count }, (_, i) => {
    const date = new Date(Date.UTC(2017, 0, 1) + i * 86_400_000);
    return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
  });

describe("the SQL goldpipe sends to Athena", () => {
  it("parses in Athena's dialect, and the named queries answer alike on Athena and DuckDB", async () => {
    const table = repositoryTableDefinition();
    const statements: Statement[] = [
      ...(await namedQueries()).map((q) => ({ name: `named query ${q.name}`, sql: q.sql, kind: "query" as const })),
      { name: "CREATE EXTERNAL TABLE", sql: createTableDdl(table, "s3://goldpipe-dev-lake/"), kind: "ddl" },
      ...refreshStatements("goldpipe_dev.headline_sentiment", days(3391), "s3://goldpipe-dev-lake/").map((sql, k) => ({
        name: `refresh statement ${k}`,
        sql,
        kind: "ddl" as const,
      })),
    ];
    expect(statements.filter((s) => s.name.startsWith("refresh")).length).toBeGreaterThan(1);
    expect(problems(statements)).toEqual([]);
  });

  it("names each hazard and each statement that does not parse", () => {
    const found = problems([
      { name: "decimal", sql: "SELECT round(100.0 * count(*) / sum(count(*)) OVER (), 2) FROM headline_sentiment", kind: "query" },
      { name: "integers", sql: "SELECT count_if(label = 'positive') / count(*) FROM headline_sentiment", kind: "query" },
      { name: "clock", sql: "SELECT * FROM headline_sentiment WHERE published_at > current_timestamp", kind: "query" },
      { name: "zone", sql: "SELECT published_at AT TIME ZONE 'America/New_York' FROM headline_sentiment", kind: "query" },
      { name: "broken", sql: "SELECT FROM WHERE", kind: "query" },
      { name: "two", sql: "SELECT 1; SELECT 2", kind: "query" },
      { name: "fine", sql: "SELECT CAST(count(*) AS DOUBLE) / 3 FROM headline_sentiment", kind: "query" },
    ]);
    expect(found.map((f) => f.name)).toEqual(["decimal", "decimal", "integers", "clock", "zone", "broken", "two"]);
    expect(found[0]?.problem).toMatch(/^the literal 100\.0 is a DECIMAL on Athena/);
    expect(found[2]?.problem).toMatch(/divides with no DOUBLE side/);
  });
});
