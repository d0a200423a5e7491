import path from "node:path";
import { withDuckDB } from "../../functions/core/lake/duckdb.ts";
import { sqlString } from "../../functions/core/lake/sql-literal.ts";
import { queryLake } from "../../local/query/lake-catalog.ts";

/** Every row the GPU jobs wrote to the lake (for one run, or every run), and how many distinct headlines they are. */
export async function scoredRows(lake: string, runId = "*"): Promise<{ rows: number; distinct: number }> {
  const glob = path.join(lake, "runs", runId, "scores", "*", "part-*.parquet");
  return withDuckDB(async (db) => {
    const [row] = (
      await db.runAndReadAll(
        `SELECT count(*)::INTEGER AS rows, count(DISTINCT id)::INTEGER AS distinct FROM read_parquet(${sqlString(glob)})`,
      )
    ).getRowObjectsJson() as { rows: number; distinct: number }[];
    return row!;
  });
}

/** The curated table's rows, and how many distinct headlines they are. */
export async function curatedRows(lake: string): Promise<{ rows: number; distinct: number }> {
  const result = await queryLake(lake, "SELECT count(*)::INTEGER AS rows, count(DISTINCT id)::INTEGER AS distinct FROM headline_sentiment");
  return result.rows[0] as { rows: number; distinct: number };
}
