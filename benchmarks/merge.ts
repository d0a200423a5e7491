/**
 * Merge throughput: a run's scored chunks → curated Parquet partitioned by UTC day, through
 * mergeRun on the local directory store, next to a baseline from the same run: DuckDB's own COPY
 * of the same rows to the same partitioned, zstd-compressed layout (no store, no duplicate
 * checks). Each is timed BENCH_MERGE_REPEAT times (default 3), alternating, and the medians of
 * wall and CPU time are printed, one JSON line per size; so is merging the merged run again, which
 * finds nothing changed.
 * Then the peak memory of one merge in a process of its own (benchmarks/merge-peak-rss.ts): with
 * DuckDB's default limit (most of the machine's memory, which it uses), and with DuckDB capped at
 * BENCH_MERGE_MEMORY_MB (default 300), past which it spills to disk: the same cap at every size
 * shows whether the merge's memory is bounded or grows with the run.
 *
 *   npm run bench:merge                       # 100k and 1M rows
 *   BENCH_MERGE_ROWS=20000 BENCH_MERGE_REPEAT=1 npm run bench:merge
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { withDuckDB } from "../functions/core/lake/duckdb.ts";
import { sqlString } from "../functions/core/lake/sql-literal.ts";
import { CURATED_PREFIX, mergeRecordKey, scoresPrefix, successKey } from "../functions/core/lake-keys.ts";
import { mergeRun } from "../functions/core/lake/merge.ts";
import { DirectoryObjectStore } from "../local/adapters/directory-object-store.ts";
import { repositoryTableDefinition } from "../local/query/table-definition.ts";

const table = repositoryTableDefinition();

const SIZES = (process.env.BENCH_MERGE_ROWS ?? "100000,1000000").split(",").map(Number);
const REPEAT = Number(process.env.BENCH_MERGE_REPEAT ?? 3);
const SHARD_ROWS = 50_000;
/** One row in a hundred repeats an earlier headline's id, as a redelivered drop would. */
const DUPLICATE_SHARE = 0.01;
const DAYS = 60;
const RUN_ID = "bench-run";

for (const rows of SIZES) {
  const lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-bench-merge-"));
  try {
    const shards = await writeScoredRun(lake, rows);
    const store = new DirectoryObjectStore(lake);
    const times = { baseline: [] as Timing[], merge: [] as Timing[], remerge: [] as Timing[] };
    let result: Awaited<ReturnType<typeof mergeRun>> | undefined;
    for (let attempt = 0; attempt < REPEAT; attempt++) {
      const baselineDir = path.join(lake, "baseline");
      times.baseline.push(await timed(() => duckdbCopy(lake, baselineDir)));
      await rm(baselineDir, { recursive: true });
      await rm(path.join(lake, CURATED_PREFIX), { recursive: true, force: true });
      await rm(path.join(lake, mergeRecordKey(RUN_ID)), { force: true });
      times.merge.push(
        await timed(async () => {
          result = await mergeRun(RUN_ID, { store, table });
        }),
      );
      times.remerge.push(await timed(() => mergeRun(RUN_ID, { store, table })));
    }
    const limitMb = Number(process.env.BENCH_MERGE_MEMORY_MB ?? 300);
    const memory = { default: await peakRss(lake), limited: await peakRss(lake, limitMb) };
    const [baseline, merge, remerge] = [times.baseline, times.merge, times.remerge].map(medians) as [Timing, Timing, Timing];
    console.log(
      JSON.stringify({
        bench: "merge",
        rows,
        shards,
        partitions: result!.partitions.length,
        duplicates: result!.duplicates,
        repeat: REPEAT,
        merge_seconds: round(merge.wall),
        merge_rows_per_second: Math.round(rows / merge.wall),
        merge_cpu_seconds: round(merge.cpu),
        remerge_seconds: round(remerge.wall),
        remerge_vs_merge: round(remerge.wall / merge.wall),
        peak_rss_mb: memory.default.peak_rss_mb,
        memory_limit_mb: limitMb,
        peak_rss_mb_limited: memory.limited.peak_rss_mb,
        merge_seconds_limited: round(memory.limited.seconds),
        baseline: "duckdb COPY … PARTITION_BY, zstd",
        baseline_seconds: round(baseline.wall),
        baseline_rows_per_second: Math.round(rows / baseline.wall),
        baseline_cpu_seconds: round(baseline.cpu),
        merge_vs_baseline: round(baseline.wall / merge.wall),
        /** The same ratio in CPU time (DuckDB's threads run in this process): steadier on a shared machine. */
        merge_vs_baseline_cpu: round(baseline.cpu / merge.cpu),
      }),
    );
  } finally {
    await rm(lake, { recursive: true, force: true });
  }
}

/** The GPU job's output for a run of `rows` headlines: shards of SHARD_ROWS, each one chunk and a _SUCCESS. */
async function writeScoredRun(lake: string, rows: number): Promise<number> {
  const shards = Math.ceil(rows / SHARD_ROWS);
  const distinct = Math.round(rows * (1 - DUPLICATE_SHARE));
  await withDuckDB(async (db) => {
    for (let shard = 0; shard < shards; shard++) {
      const dir = path.join(lake, scoresPrefix(RUN_ID, shard));
      await mkdir(dir, { recursive: true });
      const first = shard * SHARD_ROWS;
      const last = Math.min(rows, first + SHARD_ROWS);
      await db.run(
        `COPY (
        SELECT 'h' || (i % ${distinct}) AS id,
               'Gold ' || (['rises', 'falls', 'holds'])[i % 3 + 1] || ' as traders weigh headline ' || i ` +
          `|| ' on Fed, dollar and yields' AS headline,
               TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds((i * 7919) % ${DAYS * 86_400}) AS published_at,
               ['XAUUSD', 'GLD'] AS symbols, 'wire' AS source, 'https://news.example/' || i AS url,
               {'file': 'incoming/backfill.csv', 'line': i + 2} AS origin,
               (['positive', 'neutral', 'negative'])[i % 3 + 1] AS label, 0.5 + (i % 50) / 100 AS score,
               MAP {'positive': 0.2, 'neutral': 0.3, 'negative': 0.5} AS probs,
               (['weak', 'moderate', 'strong'])[i % 3 + 1] AS intensity, 'starter' AS model, '${RUN_ID}' AS run_id,
               'shard-${shard}' AS shard_id, TIMESTAMPTZ '2024-03-01 00:00:00+00' AS scored_at
        FROM range(${first}, ${last}) t(i)
      ) TO ${sqlString(path.join(dir, "part-00000.parquet"))} (FORMAT parquet)`,
      );
      await writeFile(path.join(lake, successKey(RUN_ID, shard)), "");
    }
  });
  return shards;
}

/** Peak resident memory of one merge of the run, from scratch, in a process of its own. */
async function peakRss(lake: string, memoryLimitMb?: number): Promise<{ peak_rss_mb: number; seconds: number }> {
  await rm(path.join(lake, CURATED_PREFIX), { recursive: true, force: true });
  await rm(path.join(lake, mergeRecordKey(RUN_ID)), { force: true });
  const args = [path.join(import.meta.dirname, "merge-peak-rss.ts"), lake, ...(memoryLimitMb === undefined ? [] : [String(memoryLimitMb)])];
  const { stdout } = await promisify(execFile)(process.execPath, args);
  return JSON.parse(stdout);
}

async function duckdbCopy(lake: string, outDir: string): Promise<void> {
  await withDuckDB((db) =>
    db.run(`COPY (
      SELECT *, year(published_at) AS year, month(published_at) AS month, day(published_at) AS day
      FROM read_parquet(${sqlString(path.join(lake, "runs", RUN_ID, "scores", "*", "*.parquet"))})
    ) TO ${sqlString(outDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (year, month, day))`),
  );
}

/** Wall and CPU seconds (this process's, DuckDB's threads included) of one call. */
interface Timing {
  wall: number;
  cpu: number;
}

async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 };
}

function medians(timings: Timing[]): Timing {
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { wall: median(timings.map((t) => t.wall)), cpu: median(timings.map((t) => t.cpu)) };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
