import { withLakeCatalog } from "../query/lake-catalog.ts";

/** One bucket of time: its headlines and their net sentiment, (positive − negative) / headlines. */
export interface SentimentPoint {
  /** Start of the bucket, UTC, ISO 8601. */
  at: string;
  headlines: number;
  positive: number;
  negative: number;
  index: number;
}

export interface SentimentSeries {
  bucket: "hour" | "day" | "week";
  points: SentimentPoint[];
}

/**
 * The sentiment of a run's curated headlines over their publication time, in buckets sized to the
 * span: hours for up to three days, days for up to half a year, weeks beyond.
 */
export async function runSentimentSeries(lake: string, runId: string): Promise<SentimentSeries> {
  return withLakeCatalog(lake, async (db) => {
    const reader = await db.runAndReadAll(
      `WITH span AS (
         SELECT CASE
           WHEN max(published_at) - min(published_at) <= INTERVAL 3 DAY THEN 'hour'
           WHEN max(published_at) - min(published_at) <= INTERVAL 183 DAY THEN 'day'
           ELSE 'week' END AS bucket
         FROM headline_sentiment WHERE run_id = $run_id
       )
       SELECT span.bucket,
              strftime(date_trunc(span.bucket, published_at), '%Y-%m-%dT%H:%M:%SZ') AS bucket_start,
              count(*)::INTEGER AS headlines,
              count_if(label = 'positive')::INTEGER AS positive,
              count_if(label = 'negative')::INTEGER AS negative
       FROM headline_sentiment CROSS JOIN span
       WHERE run_id = $run_id
       GROUP BY ALL ORDER BY bucket_start`,
      { run_id: runId },
    );
    const rows = reader.getRowObjectsJS() as unknown as (Omit<SentimentPoint, "at" | "index"> & {
      bucket: SentimentSeries["bucket"];
      bucket_start: string;
    })[];
    return {
      bucket: rows[0]?.bucket ?? "day",
      points: rows.map(({ bucket_start, headlines, positive, negative }) => ({
        at: bucket_start,
        headlines,
        positive,
        negative,
        index: (positive - negative) / headlines,
      })),
    };
  });
}
