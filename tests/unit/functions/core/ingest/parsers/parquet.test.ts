import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withDuckDB } from "../../../../../../functions/core/lake/duckdb.ts";
import { sqlString } from "../../../../../../functions/core/lake/sql-literal.ts";
import { BadInputError } from "../../../../../../functions/core/errors.ts";
import { parseParquet } from "../../../../../../functions/core/ingest/parsers/parquet.ts";
import type { InputRecord } from "../../../../../../functions/core/ingest/input-shapes.ts";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), "parquet-test-"));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

async function readAll(file: string): Promise<InputRecord[]> {
  const records: InputRecord[] = [];
  for await (const batch of parseParquet(file)) records.push(...batch);
  return records;
}

describe("parseParquet", () => {
  it("reads aliased columns, timestamps, lists and many vectors", async () => {
    const file = path.join(directory, "h.parquet");
    await withDuckDB((connection) =>
      connection.run(
        `COPY (SELECT 'p-' || i AS id, 'Gold headline ' || i AS title, TIMESTAMP '2024-03-01 14:30:00' + INTERVAL (i) MINUTE AS created_at,
                      ['GLD', 'IAU'] AS tickers, 42 AS extra FROM range(5000) t(i)) TO ${sqlString(file)} (FORMAT parquet)`,
      ),
    );
    const records = await readAll(file);
    expect(records).toHaveLength(5000);
    expect(records[0]).toMatchObject({
      line: 1,
      values: { id: "p-0", headline: "Gold headline 0", published_at: "2024-03-01 14:30:00", symbols: ["GLD", "IAU"] },
    });
    expect(records[4999]!.line).toBe(5000);
    expect(JSON.parse(records[0]!.raw)).toMatchObject({ extra: 42 });
  });

  it("refuses a file that is not Parquet, and one without a headline column", async () => {
    const broken = path.join(directory, "broken.parquet");
    await writeFile(broken, "PAR1 not really");
    await expect(readAll(broken)).rejects.toThrow(BadInputError);
    const noHeadline = path.join(directory, "no-headline.parquet");
    await withDuckDB((c) => c.run(`COPY (SELECT 1 AS body, DATE '2024-01-01' AS date) TO ${sqlString(noHeadline)} (FORMAT parquet)`));
    await expect(readAll(noHeadline)).rejects.toThrow(/no headline column/);
  });
});
