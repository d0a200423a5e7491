import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { withDuckDB } from "../../functions/core/lake/duckdb.ts";
import { sqlString } from "../../functions/core/lake/sql-literal.ts";
import { SCORED_HEADLINE_DUCKDB_COLUMNS, type ScoredHeadline } from "../../functions/core/headline.ts";
import { scoresPrefix, successKey } from "../../functions/core/lake-keys.ts";
import { mergeRun } from "../../functions/core/lake/merge.ts";
import type { ObjectStore } from "../../functions/core/ports.ts";
import { DirectoryObjectStore } from "../../local/adapters/directory-object-store.ts";
import { repositoryTableDefinition } from "../../local/query/table-definition.ts";

const table = repositoryTableDefinition();

/** A scored headline as the GPU job writes it; overrides set what a test is about. */
export function scoredHeadline(overrides: Partial<ScoredHeadline> & Pick<ScoredHeadline, "id">): ScoredHeadline {
  const negative = overrides.label === "negative";
  return {
    headline: `Gold moves on headline ${overrides.id}`,
    published_at: "2024-03-01T14:30:00.000Z",
    symbols: ["XAUUSD", "GLD"],
    tagged_symbols: [],
    source: "wire",
    url: `https://news.example/${overrides.id}`,
    origin: { file: "incoming/drop.csv", line: 2 },
    label: "positive",
    score: 0.9,
    probs: negative ? { positive: 0.05, neutral: 0.05, negative: 0.9 } : { positive: 0.9, neutral: 0.05, negative: 0.05 },
    intensity: "strong",
    price_direction: negative ? "down" : "up",
    price_direction_score: 0.85,
    model: "starter",
    run_id: "run-a",
    shard_id: "shard-0",
    scored_at: "2024-03-02T00:00:00.000Z",
    ...overrides,
  };
}

/** Writes rows as one Parquet file with the scored contract's columns and types (pyarrow's output, read back the same). */
export async function writeScoredParquet(file: string, rows: ScoredHeadline[]): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-fixture-"));
  try {
    const jsonl = path.join(dir, "rows.jsonl");
    await writeFile(jsonl, rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
    const columns = Object.entries(SCORED_HEADLINE_DUCKDB_COLUMNS)
      .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
      .join(", ");
    await withDuckDB((db) =>
      db.run(
        `COPY (SELECT * FROM read_json(${sqlString(jsonl)}, format = 'newline_delimited', columns = {${columns}})) ` +
          `TO ${sqlString(file)} (FORMAT parquet)`,
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Puts one shard's GPU output into the lake: a part file per chunk, then metrics.json and _SUCCESS unless the shard failed. */
export async function putScoredShard(
  store: ObjectStore,
  runId: string,
  index: number,
  chunks: ScoredHeadline[][],
  { succeeded = true, seconds = 2 }: { succeeded?: boolean; seconds?: number } = {},
): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-fixture-"));
  try {
    for (const [k, rows] of chunks.entries()) {
      const file = path.join(dir, `${k}.parquet`);
      await writeScoredParquet(file, rows);
      await store.put(`${scoresPrefix(runId, index)}part-${String(k).padStart(5, "0")}.parquet`, await readFile(file));
    }
    if (!succeeded) return;
    const rows = chunks.flat().length;
    const metrics = {
      rows,
      rows_skipped_resumed: 0,
      rows_unscorable: 0,
      seconds,
      headlines_per_second: rows / seconds,
      device: "cpu",
      dtype: "float32",
      model: "starter",
    };
    await store.put(`${scoresPrefix(runId, index)}metrics.json`, JSON.stringify(metrics));
    await store.put(successKey(runId, index), "");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A lake directory holding the runs' headlines scored (one shard each) and merged, in the order given. */
export async function mergedLake(lake: string, runs: Record<string, ScoredHeadline[]>): Promise<void> {
  const store = new DirectoryObjectStore(lake);
  for (const [runId, rows] of Object.entries(runs)) {
    await putScoredShard(store, runId, 0, [rows.map((row) => ({ ...row, run_id: runId }))]);
    await mergeRun(runId, { store, table });
  }
}
