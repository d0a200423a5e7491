import { z } from "zod";

/** Where a headline came from: the dropped file's key and its line (1-based; the header is line 1 in CSV). */
export const OriginSchema = z.object({
  file: z.string().min(1),
  line: z.number().int().positive(),
});

/** A normalized headline: what flows through SQS, pending segments and shards. */
export const HeadlineSchema = z.object({
  id: z.string().min(1),
  headline: z.string().min(1),
  /** UTC, ISO 8601 with a Z, millisecond precision: 2024-03-01T14:30:00.000Z */
  published_at: z.iso.datetime(),
  /** The instruments it is about: the file's symbols, then those tagged from the text (functions/core/ingest/instruments.ts). */
  symbols: z.array(z.string()),
  /** Which of `symbols` were tagged from the text rather than given by the file; absent in headlines ingested before tagging. */
  tagged_symbols: z.array(z.string()).default([]),
  source: z.string().nullable(),
  url: z.string().nullable(),
  origin: OriginSchema,
});
export type Headline = z.infer<typeof HeadlineSchema>;

export const INTENSITIES = ["weak", "moderate", "strong"] as const;
/** Where the headline says the price went; "none" when it states no move at all (docs/contracts.md, "Model output heads"). */
export const PRICE_DIRECTIONS = ["up", "constant", "down", "none"] as const;

/** A headline as the GPU job writes it to runs/<run_id>/scores/<n>/part-*.parquet. */
export const ScoredHeadlineSchema = HeadlineSchema.extend({
  label: z.string().min(1),
  score: z.number().min(0).max(1),
  probs: z.record(z.string(), z.number()),
  intensity: z.enum(INTENSITIES),
  /** Null when the model has no price_direction head (a plain classifier such as FinBERT). */
  price_direction: z.enum(PRICE_DIRECTIONS).nullable(),
  price_direction_score: z.number().min(0).max(1).nullable(),
  model: z.string(),
  run_id: z.string(),
  shard_id: z.string(),
  scored_at: z.iso.datetime(),
});
export type ScoredHeadline = z.infer<typeof ScoredHeadlineSchema>;

/**
 * Column types of a headline in DuckDB SQL, for read_json(..., columns = ...) over pending segments
 * and for shard Parquet. Shards, scores and curated files keep these names and types; published_at
 * is a UTC timestamp there.
 */
export const HEADLINE_DUCKDB_COLUMNS = {
  id: "VARCHAR",
  headline: "VARCHAR",
  published_at: "TIMESTAMPTZ",
  symbols: "VARCHAR[]",
  tagged_symbols: "VARCHAR[]",
  source: "VARCHAR",
  url: "VARCHAR",
  origin: "STRUCT(file VARCHAR, line BIGINT)",
} as const;

/** Column types of a scored headline in DuckDB SQL: the GPU job's output, and the curated table's columns in order. */
export const SCORED_HEADLINE_DUCKDB_COLUMNS = {
  ...HEADLINE_DUCKDB_COLUMNS,
  label: "VARCHAR",
  score: "DOUBLE",
  probs: "MAP(VARCHAR, DOUBLE)",
  intensity: "VARCHAR",
  price_direction: "VARCHAR",
  price_direction_score: "DOUBLE",
  model: "VARCHAR",
  run_id: "VARCHAR",
  shard_id: "VARCHAR",
  scored_at: "TIMESTAMPTZ",
} as const;
