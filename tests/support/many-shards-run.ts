import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { withDuckDB } from "../../functions/core/lake/duckdb.ts";
import { RunReportSchema, type RunReport } from "../../functions/core/lake/report.ts";
import { sqlString } from "../../functions/core/lake/sql-literal.ts";
import { successKey } from "../../functions/core/lake-keys.ts";
import { readManifest } from "../../functions/core/orchestration/manifest.ts";
import { DirectoryObjectStore } from "../../local/adapters/directory-object-store.ts";
import { JsonlMetrics, localMetricsPath } from "../../local/adapters/jsonl-metrics.ts";
import { ingestLocalFiles } from "../../local/ingest-files.ts";
import { queryLake } from "../../local/query/lake-catalog.ts";
import { parseChaos } from "../../local/runtime/chaos.ts";
import { LocalPipeline } from "../../local/runtime/local-pipeline.ts";
import { defaultPython } from "../../local/runtime/processing-job-runner.ts";
import { writeHeadlinesCsv } from "./pipeline-fixtures.ts";

const REPO = path.resolve(import.meta.dirname, "../..");
const FAST_JOB = path.join(REPO, "gpu-job", "tests", "fast_job.py");
const FAST_JOB_CLIENT = path.join(REPO, "gpu-job", "tests", "fast_job_client.py");
/** Rows of the generated file broken on purpose, so the run's counts include quarantined ones. */
const BROKEN_ROWS = 7;

/**
 * The fast test double of the GPU job (gpu-job/tests/fast_job.py), warm: a server process running
 * each attempt, and `python`, an executable the processing-job runner launches for each attempt in
 * place of `python -m goldpipe_scorer`, with the job's arguments, whose exit code is the attempt's.
 */
export async function startFastJob(parent: string): Promise<{ python: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(parent, "fast-job-"));
  const socket = path.join(dir, "attempts.sock");
  const server = spawn(defaultPython(), [FAST_JOB, "--serve", socket], {
    env: { ...process.env, PYTHONPATH: path.join(REPO, "gpu-job") },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  for (let waited = 0; !existsSync(socket); waited += 50) {
    if (server.exitCode !== null || waited > 30_000) throw new Error(`the fast test job's server did not start on ${socket}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const python = path.join(dir, "fast-job-python");
  await writeFile(python, `#!/bin/sh\n[ "$1" = "-m" ] && shift 2\nexec "${defaultPython()}" "${FAST_JOB_CLIENT}" "${socket}" "$@"\n`);
  await chmod(python, 0o755);
  return {
    python,
    stop: async () => {
      server.kill();
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ManyShardsRun {
  lake: string;
  report: RunReport;
  /** Job attempts and successes per shard index, as the runtime reported them. */
  attempts: Map<number, number>;
  successes: Map<number, number>;
  /** Wall seconds: ingest, seal (shards and manifest), the execution (jobs, merge, report). */
  seconds: { ingest: number; seal: number; execution: number };
}

/**
 * `goldpipe run` at scale, in this process: ingests `shards × rowsPerShard` generated headlines
 * and a few broken rows, seals them into shards of `rowsPerShard`, and runs the workflow on the
 * local runtime with the fast test job in place of the model.
 */
export async function runManyShards(options: {
  dir: string;
  shards: number;
  rowsPerShard: number;
  concurrency: number;
  chaos?: string;
}): Promise<ManyShardsRun> {
  const lake = path.join(options.dir, "lake");
  await mkdir(lake, { recursive: true });
  const file = await writeHeadlinesCsv(
    path.join(options.dir, "headlines.csv"),
    options.shards * options.rowsPerShard + BROKEN_ROWS,
    2026,
    BROKEN_ROWS,
  );
  const attempts = new Map<number, number>();
  const successes = new Map<number, number>();
  const bump = (counts: Map<number, number>, index: number) => counts.set(index, (counts.get(index) ?? 0) + 1);
  const job = await startFastJob(options.dir);
  try {
    const pipeline = new LocalPipeline({
      lake,
      store: new DirectoryObjectStore(lake),
      metrics: new JsonlMetrics(localMetricsPath(lake)),
      python: job.python,
      concurrency: options.concurrency,
      chunkRows: Math.max(1, Math.ceil(options.rowsPerShard / 2)),
      chaos: parseChaos(options.chaos),
      retryDelayMs: 1,
      onShard: (_runId, event) => {
        if (event.type === "attempt") bump(attempts, event.index);
        if (event.type === "succeeded") bump(successes, event.index);
      },
    });
    let started = performance.now();
    const ingested = await ingestLocalFiles([file], { lake });
    const ingest = (performance.now() - started) / 1000;
    started = performance.now();
    const run = await pipeline.seal({ trigger: "manual", shardSize: options.rowsPerShard, files: ingested.files.map((f) => f.file!) });
    if (!run) throw new Error("nothing was pending after the ingest");
    const seal = (performance.now() - started) / 1000;
    started = performance.now();
    const end = await run.finished;
    const execution = (performance.now() - started) / 1000;
    if (end.status !== "SUCCEEDED") throw new Error(`the run's execution ended ${end.status}: ${end.error}`);
    return { lake, report: RunReportSchema.parse(end.output), attempts, successes, seconds: { ingest, seal, execution } };
  } finally {
    await job.stop();
  }
}

/**
 * What a whole run shows, as a list of what is wrong (empty when nothing is): every shard scored
 * exactly once (one successful job, a checkpoint, each of its rows in its scores once and in no
 * other shard's), and the report's counts adding up, down to the curated table.
 */
export async function wholeRunProblems(run: ManyShardsRun): Promise<string[]> {
  const { report, lake } = run;
  const store = new DirectoryObjectStore(lake);
  const manifest = (await readManifest(store, report.run_id))!;
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  check(report.status === "Succeeded" && report.shards_failed === 0, `run ${report.status}, ${report.shards_failed} shard(s) failed`);
  check(report.shards === manifest.shards.length, `the report counts ${report.shards} shards, the manifest ${manifest.shards.length}`);
  check(report.rows_read === report.rows_valid + report.rows_quarantined, "rows_read ≠ rows_valid + rows_quarantined");
  check(report.rows_valid === report.rows_sharded + report.duplicates_sealed, "rows_valid ≠ rows_sharded + duplicates_sealed");
  check(report.rows_scored === report.rows_sharded, `rows_scored ${report.rows_scored} ≠ rows_sharded ${report.rows_sharded}`);
  check(report.rows_curated === report.rows_scored - report.duplicates, "rows_curated ≠ rows_scored − duplicates");

  const manyJobs = manifest.shards.filter((s) => run.successes.get(s.index) !== 1).map((s) => s.index);
  check(manyJobs.length === 0, `shards without exactly one successful job: ${manyJobs.slice(0, 10).join(", ")}`);
  const missing: number[] = [];
  for (const shard of manifest.shards) if (!(await store.head(successKey(report.run_id, shard.index)))) missing.push(shard.index);
  check(missing.length === 0, `shards without a _SUCCESS checkpoint: ${missing.slice(0, 10).join(", ")}`);

  const scores = await withDuckDB(async (db) => {
    const glob = sqlString(path.join(lake, "runs", report.run_id, "scores", "*", "part-*.parquet"));
    const rows = (
      await db.runAndReadAll(
        `SELECT shard_id, count(*)::INTEGER AS rows, count(DISTINCT id)::INTEGER AS ids FROM read_parquet(${glob}) GROUP BY shard_id`,
      )
    ).getRowObjectsJson() as { shard_id: string; rows: number; ids: number }[];
    const [total] = (
      await db.runAndReadAll(`SELECT count(*)::INTEGER AS rows, count(DISTINCT id)::INTEGER AS ids FROM read_parquet(${glob})`)
    ).getRowObjectsJson() as { rows: number; ids: number }[];
    return { byShard: new Map(rows.map((r) => [r.shard_id, r])), total: total! };
  });
  const miscounted = manifest.shards.filter((s) => {
    const scored = scores.byShard.get(s.shard_id);
    return scored?.rows !== s.rows || scored.ids !== s.rows;
  });
  check(miscounted.length === 0, `shards whose scores are not their rows once each: ${miscounted.map((s) => s.index).slice(0, 10)}`);
  check(
    scores.total.rows === report.rows_sharded && scores.total.ids === report.rows_sharded,
    `scored ${scores.total.rows} rows of ${scores.total.ids} ids for ${report.rows_sharded} sharded headlines`,
  );

  const [curated] = (await queryLake(lake, "SELECT count(*)::INTEGER AS rows, count(DISTINCT id)::INTEGER AS ids FROM headline_sentiment"))
    .rows as { rows: number; ids: number }[];
  check(
    curated?.rows === report.rows_curated && curated.ids === report.rows_curated,
    `the curated table holds ${curated?.rows} rows of ${curated?.ids} ids, the report says ${report.rows_curated}`,
  );
  return problems;
}
