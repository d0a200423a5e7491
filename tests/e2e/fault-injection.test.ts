import { readdir, readFile, mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUNS_PREFIX } from "../../functions/core/lake-keys.ts";
import { currentLock } from "../../functions/core/orchestration/lock.ts";
import { readManifest } from "../../functions/core/orchestration/manifest.ts";
import { allManifests } from "../../functions/core/orchestration/runs.ts";
import { runLockName, SEAL_LOCK } from "../../functions/core/orchestration/run-lock.ts";
import { DirectoryObjectStore } from "../../local/adapters/directory-object-store.ts";
import { queryLake } from "../../local/query/lake-catalog.ts";
import { processExists } from "../../local/runtime/process-exists.ts";
import { runGoldpipe, startGoldpipe } from "../support/cli-process.ts";
import { scoredRows } from "../support/lake-counts.ts";
import { until } from "../support/until.ts";
import { fastJob } from "../support/fast-job.ts";
import { writeHeadlinesCsv } from "../support/pipeline-fixtures.ts";

/**
 * Kills `goldpipe run` with SIGKILL at every step boundary of the pipeline, then lets `run`, `watch`
 * or `replay` finish, and checks that nothing was lost or done twice: every valid headline curated
 * exactly once, no shard that had finished scored again, no row scored twice, the run Succeeded with
 * its report, no lock left held, no job or job folder left behind. The GPU job is the fast scorer
 * (the job's own code around a hash instead of a model): the pipeline around it is the point here.
 */

// 40 headlines and 4 broken rows: two shards of 20, two chunks each.
const RUN_OPTIONS = ["--shard-size", "20", "--chunk-rows", "10", "--concurrency", "1"];
// Tuesday 10:00 New York (COMEX open), and a schedule in seconds, for the cases watch finishes.
const OPEN = "2026-01-13T10:00:00-05:00";

let workdir: string;
let input: string;
let env: Record<string, string>;
let model: string;
let schedule: string;
/** Every valid headline's id, from a run nothing interrupted. */
let expectedIds: string[];

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-faults-"));
  const scorer = await fastJob(workdir);
  env = { GOLDPIPE_PYTHON: scorer.python };
  model = scorer.model;
  input = await writeHeadlinesCsv(path.join(workdir, "feed.csv"), 44, 31, 4);
  schedule = path.join(workdir, "schedule.yaml");
  await writeFile(schedule, "markets: [comex-gold]\nfreshnessMinutes: 0.05\ntickMinutes: 0.01\n");
  const lake = path.join(workdir, "reference");
  const clean = await runGoldpipe(["run", input, "--lake", lake, "--model", model, ...RUN_OPTIONS, "--json"], env);
  expect(clean.code, clean.stderr).toBe(0);
  expectedIds = await curatedIds(lake);
  expect(expectedIds.length).toBe(JSON.parse(clean.stdout).rows_valid);
});
afterAll(() => rm(workdir, { recursive: true, force: true }));

const run = (lake: string, extraEnv: Record<string, string> = {}) =>
  runGoldpipe(["run", input, "--lake", lake, "--model", model, ...RUN_OPTIONS], { ...env, ...extraEnv });

async function curatedIds(lake: string): Promise<string[]> {
  const result = await queryLake(lake, "SELECT id FROM headline_sentiment ORDER BY id");
  return result.rows.map((row) => String(row.id));
}

/** What each finished shard holds: its chunk files and its job's metrics, which a second scoring would change. */
async function finishedShards(lake: string): Promise<Record<string, { chunks: string[]; metrics: string }>> {
  const shards: Record<string, { chunks: string[]; metrics: string }> = {};
  for (const runId of await readdir(path.join(lake, RUNS_PREFIX)).catch(() => [] as string[])) {
    const scores = path.join(lake, RUNS_PREFIX, runId, "scores");
    for (const shard of await readdir(scores).catch(() => [] as string[])) {
      const files = await readdir(path.join(scores, shard));
      if (!files.includes("_SUCCESS")) continue;
      shards[`${runId}/${shard}`] = {
        chunks: files.filter((file) => file.startsWith("part-")).sort(),
        metrics: await readFile(path.join(scores, shard, "metrics.json"), "utf8"),
      };
    }
  }
  return shards;
}

/** Processes still running a job (or its supervisor) of the given goldpipe process, by their job folder. */
async function jobsOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const command = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (command.includes(`goldpipe-job-${pid}-`)) found.push(Number(entry));
  }
  return found;
}

/** The lake as a successful recovery leaves it: whole, once, committed, unlocked. */
async function expectWhole(lake: string, finishedBefore: Record<string, { chunks: string[]; metrics: string }>) {
  expect(await curatedIds(lake)).toEqual(expectedIds);
  const scored = await scoredRows(lake);
  expect(scored.rows, "no row scored twice").toBe(scored.distinct);
  const finishedAfter = await finishedShards(lake);
  for (const [shard, before] of Object.entries(finishedBefore)) {
    expect(finishedAfter[shard], `shard ${shard}, finished before the kill, is not scored again`).toEqual(before);
  }
  const store = new DirectoryObjectStore(lake);
  const runs = await allManifests(store);
  expect(runs.map((manifest) => manifest.status)).toEqual(["Succeeded"]);
  for (const manifest of runs) {
    expect(await store.head(`${RUNS_PREFIX}${manifest.run_id}/report.json`)).toBeDefined();
    expect(await heldByTheLiving(store, runLockName(manifest.run_id))).toBe(false);
  }
  expect(await heldByTheLiving(store, SEAL_LOCK)).toBe(false);
}

/** Whether a process still alive holds the lock (a dead one's lock is free for the next caller). */
async function heldByTheLiving(store: DirectoryObjectStore, name: string): Promise<boolean> {
  const lock = await currentLock(store, name);
  return lock !== undefined && lock.released_at === null && lock.holder.pid !== undefined && processExists(lock.holder.pid);
}

type Finisher = "run" | "replay" | "watch";

/** The kill points: each step boundary of the pipeline, as the lake write or workflow state it follows. */
const KILL_POINTS: { step: string; at: string; finish: Finisher; slowJobs?: boolean }[] = [
  { step: "ingest: the file copied into incoming/, not read", at: "write:incoming/**", finish: "run" },
  { step: "ingest: its headlines in pending/, no ingest record", at: "write:pending/**", finish: "run" },
  { step: "ingest: recorded, nothing sealed", at: "write:ingest/*.json", finish: "watch" },
  { step: "seal: a shard written, no manifest", at: "write:runs/*/shards/*.parquet", finish: "run" },
  { step: "seal: manifest written, segments still pending, no execution", at: "write:runs/*/manifest.json", finish: "watch" },
  { step: "seal: the run's lock taken, its execution not started", at: "write:locks/runs/**", finish: "run" },
  { step: "job: shard 0 has one chunk, its job running", at: "write:runs/*/scores/0/part-*.parquet", finish: "replay", slowJobs: true },
  { step: "job: shard 0 done, shard 1 not started", at: "write:runs/*/scores/0/_SUCCESS", finish: "run" },
  { step: "job: shard 1 has one chunk, its job running", at: "write:runs/*/scores/1/part-*.parquet", finish: "watch", slowJobs: true },
  { step: "finalize: shard outcomes folded in (Merging)", at: "state:FinalizeRun", finish: "run" },
  { step: "merge: the first curated file written", at: "write:curated/**", finish: "run" },
  { step: "merge: done, partitions not registered", at: "state:MergeRun", finish: "replay" },
  { step: "refresh: partitions registered, no report", at: "state:RegisterPartitions", finish: "run" },
  { step: "report: report.json written, run not committed", at: "write:runs/*/report.json", finish: "watch" },
  { step: "report: run committed, its lock not released", at: "state:ReportRun", finish: "run" },
];

async function finish(how: Finisher, lake: string): Promise<void> {
  if (how === "run") {
    const again = await run(lake);
    expect(again.code, again.stderr).toBe(0);
    return;
  }
  if (how === "replay") {
    const [runId] = await readdir(path.join(lake, RUNS_PREFIX));
    const replay = await runGoldpipe(["replay", runId!, "--lake", lake, "--model", model], env);
    expect(replay.code, replay.stderr).toBe(0);
    return;
  }
  // watch picks up what is pending and resumes the unfinished run; it is stopped once the lake is whole.
  const drop = path.join(path.dirname(lake), "drop");
  await mkdir(drop, { recursive: true });
  const watch = startGoldpipe(
    ["watch", drop, "--lake", lake, "--model", model, "--config", schedule, "--start-at", OPEN, "--shard-size", "20", "--json"],
    env,
  );
  try {
    await until(
      async () => {
        const store = new DirectoryObjectStore(lake);
        const runs = await allManifests(store);
        const pending = await readdir(path.join(lake, "pending")).catch(() => [] as string[]);
        const held = await Promise.all(runs.map((manifest) => heldByTheLiving(store, runLockName(manifest.run_id))));
        return runs.length > 0 && runs.every((manifest) => manifest.status === "Succeeded") && pending.length === 0 && !held.includes(true);
      },
      "watch to finish the lake",
      { timeoutMs: 60_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; it said: ${watch.output().stdout.slice(-3000)} ${watch.output().stderr}`);
    });
  } finally {
    watch.signal("SIGINT");
    const end = await watch.exited;
    expect(end.code, end.stderr).toBe(0);
  }
}

describe("killed with SIGKILL at every step boundary, the next run, watch or replay finishes the work, losing nothing", () => {
  it.each(KILL_POINTS)("$step ($at), finished by $finish", async ({ at, finish: how, slowJobs }) => {
    const lake = path.join(await mkdtemp(path.join(workdir, "case-")), "lake");
    // Slow chunks keep the job running when its parent dies.
    const slow = slowJobs ? { GOLDPIPE_FAST_JOB_CHUNK_SECONDS: "0.5" } : {};
    const killed = startGoldpipe(["run", input, "--lake", lake, "--model", model, ...RUN_OPTIONS], {
      ...env,
      ...slow,
      GOLDPIPE_KILL_AT: at,
    });
    const end = await killed.exited;
    expect(end.signal, `it should have died at ${at}: ${end.stderr}`).toBe("SIGKILL");
    // A GPU job running then ends with its parent.
    await until(async () => (await jobsOf(killed.pid)).length === 0, "the killed run's jobs to end");
    const finishedBefore = await finishedShards(lake);
    await finish(how, lake);
    await expectWhole(lake, finishedBefore);
    // Its temporary folders are gone: a running job's with the job, the others at the next start.
    expect((await readdir(os.tmpdir())).filter((name) => new RegExp(`^goldpipe-[a-z]+-${killed.pid}-`).test(name))).toEqual([]);
    // What the first process had scored is kept: a job that was cut short resumes from its chunks.
    const manifest = (await allManifests(new DirectoryObjectStore(lake)))[0]!;
    expect((await readManifest(new DirectoryObjectStore(lake), manifest.run_id))?.status).toBe("Succeeded");
  });
});
