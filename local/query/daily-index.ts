import { z } from "zod";
import { namedQuery } from "./named-queries.ts";

/** One row of the daily-index named query (sql/named/daily-index.sql), as DuckDB and the Athena adapter both give it. */
export const DailyIndexRowSchema = z.object({
  published_date: z.iso.date(),
  symbol: z.string(),
  headlines: z.number().int(),
  headlines_up: z.number().int(),
  headlines_constant: z.number().int(),
  headlines_down: z.number().int(),
  directionality: z.number().nullable(),
  sentiment_index: z.number(),
  confidence_weighted: z.number(),
});
export type DailyIndexRow = z.infer<typeof DailyIndexRowSchema>;

/** Gold: the instrument goldpipe indexes unless told otherwise. */
export const GOLD = "XAU";

export interface IndexRange {
  /** First and last UTC day, YYYY-MM-DD; null for the lake's first or last. */
  from: string | null;
  to: string | null;
  instrument: string;
}

/** Runs SQL with positional parameters: the local lake (queryLake) or Athena (AthenaQueries.run). */
export type RunQuery = (sql: string, params: (string | null)[]) => Promise<{ rows: Record<string, unknown>[] }>;

/** The instrument's daily index over the range, day by day, through the same named query `goldpipe query` runs. */
export async function dailyIndexRows(run: RunQuery, { from, to, instrument }: IndexRange): Promise<DailyIndexRow[]> {
  const { sql } = await namedQuery("daily-index");
  const { rows } = await run(sql, [from, to, instrument]);
  return rows.map((row) => DailyIndexRowSchema.parse(row));
}
