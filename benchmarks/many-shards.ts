/**
 * A run of thousands of shards on the local runtime: `goldpipe run`'s path (ingest, seal, the ASL's
 * Distributed Map over the shard list in the lake, merge, report) with the fast test double of the
 * GPU job (gpu-job/tests/fast_job.py) in place of the model. It fails (exit 1) unless every shard
 * was scored exactly once and the report's counts add up, and prints its figures next to a baseline
 * from the same run: the fast job alone, launched directly on some of the same shards at the same
 * concurrency, so the difference is what the runtime adds per shard.
 *
 *   npm run bench:many-shards                                  # 2,000 shards of 5 headlines, 8 at once
 *   BENCH_SHARDS=200 BENCH_CONCURRENCY=4 npm run bench:many-shards
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { forEachConcurrently } from "../functions/core/concurrency.ts";
import { shardKey } from "../functions/core/lake-keys.ts";
import { DEFAULT_MODEL_DIR } from "../local/runtime/local-pipeline.ts";
import { runManyShards, startFastJob, wholeRunProblems } from "../tests/support/many-shards-run.ts";

const SHARDS = Number(process.env.BENCH_SHARDS ?? 2000);
const ROWS_PER_SHARD = Number(process.env.BENCH_ROWS_PER_SHARD ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
/** Shards the baseline runs the job on directly. */
const BASELINE_SHARDS = Math.min(SHARDS, 80);

const dir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-bench-many-shards-"));
try {
  console.error(`${SHARDS} shards of ${ROWS_PER_SHARD} headlines, ${CONCURRENCY} jobs at once, ${os.cpus().length} CPUs …`);
  const run = await runManyShards({ dir, shards: SHARDS, rowsPerShard: ROWS_PER_SHARD, concurrency: CONCURRENCY });
  const problems = await wholeRunProblems(run);
  const baseline = await jobAlone(run.lake, run.report.run_id, BASELINE_SHARDS);
  const perShard = run.seconds.execution / run.report.shards;
  console.log(
    JSON.stringify({
      bench: "many-shards",
      shards: run.report.shards,
      rows_read: run.report.rows_read,
      rows_quarantined: run.report.rows_quarantined,
      rows_scored: run.report.rows_scored,
      rows_curated: run.report.rows_curated,
      duplicates: run.report.duplicates,
      status: run.report.status,
      whole: problems.length === 0,
      concurrency: CONCURRENCY,
      ingest_seconds: round(run.seconds.ingest),
      seal_seconds: round(run.seconds.seal),
      execution_seconds: round(run.seconds.execution),
      execution_seconds_per_shard: round(perShard),
      baseline: `the fast job alone on ${BASELINE_SHARDS} of the same shards, ${CONCURRENCY} at once`,
      baseline_seconds_per_shard: round(baseline),
      runtime_seconds_per_shard: round(perShard - baseline),
      /** This process's: the runtime, the 2,000 executions' states, and DuckDB for seal and merge. */
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
  if (problems.length > 0) {
    console.error(`the run is not whole:\n  ${problems.join("\n  ")}`);
    process.exitCode = 1;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

/** Wall seconds per shard of the fast job launched directly, as the runner launches it, on the run's first `count` shards. */
async function jobAlone(lake: string, runId: string, count: number): Promise<number> {
  const job = await startFastJob(dir);
  const model = path.resolve(DEFAULT_MODEL_DIR);
  try {
    const started = performance.now();
    await forEachConcurrently(
      Array.from({ length: count }, (_, i) => i),
      CONCURRENCY,
      async (index) => {
        const attempt = path.join(dir, "baseline", String(index));
        await mkdir(path.join(attempt, "shard"), { recursive: true });
        await symlink(path.join(lake, shardKey(runId, index)), path.join(attempt, "shard", `${index}.parquet`));
        const args = ["-m", "goldpipe_scorer", "--shard-dir", path.join(attempt, "shard"), "--model-dir", model]
          .concat(["--checkpoint-dir", path.join(attempt, "checkpoint"), "--output-dir", path.join(attempt, "out")])
          .concat(["--failure-file", path.join(attempt, "failure"), "--run-id", runId, "--shard-id", `baseline-${index}`])
          .concat(["--chunk-rows", String(Math.ceil(ROWS_PER_SHARD / 2))]);
        await promisify(execFile)(job.python, args);
      },
    );
    return (performance.now() - started) / 1000 / count;
  } finally {
    await job.stop();
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
