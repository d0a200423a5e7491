// Local end-to-end throughput of `goldpipe run`, and the share of its wall time spent outside the
// GPU job (orchestration overhead), next to a baseline from the same run: the GPU job alone, one
// process over the same shards. Usage:
//   node benchmarks/pipeline.ts [SIZE…] [--model DIR] [--shard-size N] [--concurrency N]
// SIZE defaults to 10000; add 100000 for the large case (minutes on a CPU).
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import { RunReportSchema } from "../functions/core/lake/report.ts";
import { DirectoryObjectStore } from "../local/adapters/directory-object-store.ts";
import { JsonlMetrics, localMetricsPath } from "../local/adapters/jsonl-metrics.ts";
import { formatHeadlines } from "../local/generator/formats.ts";
import { generateHeadlines } from "../local/generator/headlines.ts";
import { ingestLocalFiles } from "../local/ingest-files.ts";
import { DEFAULT_LOCAL_CHUNK_ROWS, DEFAULT_LOCAL_CONCURRENCY, DEFAULT_MODEL_DIR, LocalPipeline } from "../local/runtime/local-pipeline.ts";
import { defaultPython } from "../local/runtime/processing-job-runner.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: "string", default: DEFAULT_MODEL_DIR },
    "shard-size": { type: "string", default: "4000" },
    concurrency: { type: "string", default: String(DEFAULT_LOCAL_CONCURRENCY) },
  },
});
const sizes = (positionals.length > 0 ? positionals : ["10000"]).map(Number);
const shardSize = Number(values["shard-size"]);
const concurrency = Number(values.concurrency);
const model = path.resolve(values.model);
const REPO = path.resolve(import.meta.dirname, "..");

console.log(
  `goldpipe local pipeline bench: model ${path.relative(REPO, model)}, shards of ${shardSize}, ` +
    `${concurrency} at once, ${os.cpus().length} CPUs\n`,
);
for (const size of sizes) await bench(size);

async function bench(size: number): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-bench-"));
  try {
    const lake = path.join(dir, "lake");
    const file = path.join(dir, `headlines-${size}.csv`);
    await writeFile(file, [...formatHeadlines(generateHeadlines({ count: size, seed: size }), "csv")].join(""));

    /** Wall-clock intervals during which a processing job (inputs in, the job, outputs out) was running. */
    const jobs = new Map<number, number>();
    const intervals: [number, number][] = [];
    const pipeline = new LocalPipeline({
      lake,
      store: new DirectoryObjectStore(lake),
      metrics: new JsonlMetrics(localMetricsPath(lake)),
      model,
      concurrency,
      onShard: (_runId, event) => {
        if (event.type === "attempt") jobs.set(event.index, performance.now());
        if (event.type === "succeeded" || event.type === "attempt-failed") intervals.push([jobs.get(event.index)!, performance.now()]);
      },
    });

    const t0 = performance.now();
    const ingested = await ingestLocalFiles([file], { lake });
    const t1 = performance.now();
    const run = await pipeline.seal({ trigger: "manual", shardSize, files: ingested.files.flatMap((f) => (f.file ? [f.file] : [])) });
    if (!run) throw new Error("nothing was sealed");
    const t2 = performance.now();
    const end = await run.finished;
    const t3 = performance.now();
    if (end.status !== "SUCCEEDED") throw new Error(`the run ended ${end.status}: ${end.error}`);
    const report = RunReportSchema.parse(end.output);

    const wall = (t3 - t0) / 1000;
    const inJobs = unionSeconds(intervals);
    const baseline = await bareJob(lake, run.run_id, dir);
    const rate = (rows: number, seconds: number) => `${Math.round(rows / seconds).toLocaleString("en-US")} headlines/s`;
    console.log(
      `${size.toLocaleString("en-US")} headlines → run ${report.run_id} ${report.status}, ${report.shards} shards, ` +
        `${report.rows_curated.toLocaleString("en-US")} curated`,
    );
    console.log(`  end to end        ${wall.toFixed(1)} s  ${rate(report.rows_curated, wall)}`);
    console.log(`    ingest          ${((t1 - t0) / 1000).toFixed(1)} s`);
    console.log(`    seal            ${((t2 - t1) / 1000).toFixed(1)} s`);
    console.log(
      `    workflow        ${((t3 - t2) / 1000).toFixed(1)} s  (jobs running ${inJobs.toFixed(1)} s; ` +
        `merge ${report.timings.merge_seconds ?? "?"} s)`,
    );
    console.log(
      `    GPU job inside  ${report.timings.scoring_seconds} s scoring + ${report.timings.model_load_seconds} s loading, over all shards`,
    );
    console.log(
      `  outside the GPU job: ${(wall - inJobs).toFixed(1)} s = ${(((wall - inJobs) / wall) * 100).toFixed(1)} % of the wall time`,
    );
    console.log(
      `  baseline, the GPU job alone over the same ${report.rows_sharded.toLocaleString("en-US")} rows in one process: ` +
        `${baseline.toFixed(1)} s  ${rate(report.rows_sharded, baseline)}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Seconds covered by at least one of the intervals (ms). */
function unionSeconds(intervals: [number, number][]): number {
  let covered = 0;
  let until = -Infinity;
  for (const [start, end] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (end <= until) continue;
    covered += end - Math.max(start, until);
    until = end;
  }
  return covered / 1000;
}

/** Runs gpu-job's entry point directly on the run's shard files, as one job: seconds of wall time. */
async function bareJob(lake: string, runId: string, dir: string): Promise<number> {
  const shards = path.join(lake, "runs", runId, "shards");
  const job = path.join(dir, "bare-job");
  await mkdir(path.join(job, "output"), { recursive: true });
  const started = performance.now();
  await promisify(execFile)(
    defaultPython(),
    [
      "-m",
      "goldpipe_scorer",
      "--shard-dir",
      shards,
      "--model-dir",
      model,
      "--checkpoint-dir",
      path.join(job, "checkpoint"),
      "--output-dir",
      path.join(job, "output"),
      "--failure-file",
      path.join(job, "failure"),
      "--run-id",
      runId,
      "--shard-id",
      `${runId}-all`,
      "--chunk-rows",
      String(DEFAULT_LOCAL_CHUNK_ROWS),
    ],
    { env: { ...process.env, PYTHONPATH: path.join(REPO, "gpu-job") }, maxBuffer: 64 * 1024 * 1024 },
  );
  const seconds = (performance.now() - started) / 1000;
  if (!(await readdir(path.join(job, "output"))).includes("_SUCCESS")) throw new Error("the bare GPU job wrote no _SUCCESS");
  return seconds;
}
