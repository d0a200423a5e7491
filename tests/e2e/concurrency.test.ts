import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allManifests } from "../../functions/core/orchestration/runs.ts";
import { DirectoryObjectStore } from "../../local/adapters/directory-object-store.ts";
import { runGoldpipe, startGoldpipe, type GoldpipeProcess } from "../support/cli-process.ts";
import { fastJob } from "../support/fast-job.ts";
import { curatedRows, scoredRows } from "../support/lake-counts.ts";
import { until } from "../support/until.ts";
import { writeHeadlinesCsv } from "../support/pipeline-fixtures.ts";

/**
 * Two goldpipe processes at work on one lake at once: two runs of one file, two replays of one run,
 * watch and run. Whatever the interleaving, each headline is curated once and each shard scored
 * once: seals take turns, one execution per run, one ingest per content. The GPU job is the fast
 * scorer, slowed to a fraction of a second per chunk so that the processes do overlap.
 */

const RUN_OPTIONS = ["--shard-size", "20", "--chunk-rows", "10", "--concurrency", "1"];
const OPEN = "2026-01-13T10:00:00-05:00";

let workdir: string;
let env: Record<string, string>;
let model: string;
let feed: string;
let other: string;
let schedule: string;

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-concurrency-"));
  const scorer = await fastJob(workdir);
  env = { GOLDPIPE_PYTHON: scorer.python, GOLDPIPE_FAST_JOB_CHUNK_SECONDS: "0.3" };
  model = scorer.model;
  feed = await writeHeadlinesCsv(path.join(workdir, "feed.csv"), 40, 41);
  other = await writeHeadlinesCsv(path.join(workdir, "other.csv"), 30, 42);
  schedule = path.join(workdir, "schedule.yaml");
  await writeFile(schedule, "markets: [comex-gold]\nfreshnessMinutes: 0.05\ntickMinutes: 0.01\n");
});
afterAll(() => rm(workdir, { recursive: true, force: true }));

const newLake = async () => path.join(await mkdtemp(path.join(workdir, "case-")), "lake");
const run = (file: string, lake: string, extra: Record<string, string> = {}) =>
  startGoldpipe(["run", file, "--lake", lake, "--model", model, ...RUN_OPTIONS, "--json"], { ...env, ...extra });

/** Curated and scored rows across every run of the lake, each with its distinct headlines. */
const counts = async (lake: string) => ({ curated: await curatedRows(lake), scored: await scoredRows(lake) });

const succeeded = async (lake: string) => (await allManifests(new DirectoryObjectStore(lake))).map((manifest) => manifest.status);

describe("two goldpipe processes on one lake", () => {
  it("two runs of one file at once: one ingest, one run, each shard scored once, and both answer with its report", async () => {
    const lake = await newLake();
    const [first, second] = await Promise.all([run(feed, lake).exited, run(feed, lake).exited]);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(first.stdout).run_id).toBe(JSON.parse(second.stdout).run_id);
    expect(await succeeded(lake)).toEqual(["Succeeded"]);
    expect(await counts(lake)).toEqual({ curated: { rows: 40, distinct: 40 }, scored: { rows: 40, distinct: 40 } });
    expect(`${first.stderr}${second.stderr}`).toMatch(/same content as incoming\/.*, ingested before/);
  });

  it("two replays of one run at once: one executes it, the other is refused, naming it", async () => {
    const lake = await newLake();
    const failing = await run(feed, lake, { GOLDPIPE_CHAOS: "fail=1,shards=0,1" }).exited;
    expect(failing.code, failing.stderr).toBe(3);
    const runId = JSON.parse(failing.stdout).run_id as string;
    const replay = () =>
      startGoldpipe(["replay", runId, "--lake", lake, "--model", model], { ...env, GOLDPIPE_FAST_JOB_CHUNK_SECONDS: "1" });
    const first = replay();
    await until(() => first.output().stderr.includes("replaying shard(s) 0, 1"), "the first replay to start", { timeoutMs: 60_000 });
    const second = await replay().exited;
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      new RegExp(`run ${runId} is being executed now by goldpipe replay \\(pid ${first.pid}\\) \\(pid ${first.pid} on`),
    );
    expect((await first.exited).code).toBe(0);
    expect(await succeeded(lake)).toEqual(["Succeeded"]);
    expect(await counts(lake)).toEqual({ curated: { rows: 40, distinct: 40 }, scored: { rows: 40, distinct: 40 } });
  });

  it("watch and run on one lake: every file's headlines curated once, each shard scored once", async () => {
    const lake = await newLake();
    const drop = path.join(path.dirname(lake), "drop");
    await mkdir(drop);
    const watch = startGoldpipe(
      ["watch", drop, "--lake", lake, "--model", model, "--config", schedule, "--start-at", OPEN, "--shard-size", "20", "--json"],
      env,
    );
    let running: GoldpipeProcess | undefined;
    try {
      await until(() => watch.output().stdout.includes('"event":"started"'), "watch to start");
      // The same file dropped to watch and given to run, and another one to run alone, at the same moment.
      await copyFile(feed, path.join(drop, "feed.csv"));
      running = run(feed, lake);
      const alone = await run(other, lake).exited;
      expect(alone.code, alone.stderr).toBe(0);
      const shared = await running.exited;
      expect(shared.code, shared.stderr).toBe(0);
      await until(
        async () => {
          const statuses = await succeeded(lake);
          const pending = await readdir(path.join(lake, "pending")).catch(() => [] as string[]);
          return statuses.length > 0 && statuses.every((status) => status === "Succeeded") && pending.length === 0;
        },
        "every run to succeed",
        { timeoutMs: 60_000 },
      );
    } finally {
      watch.signal("SIGINT");
      const end = await watch.exited;
      expect(end.code, end.stderr).toBe(0);
    }
    expect(await counts(lake)).toEqual({ curated: { rows: 70, distinct: 70 }, scored: { rows: 70, distinct: 70 } });
  });
});

describe("stopped by a signal, goldpipe run stops its jobs, says what is left, and the next run finishes it", () => {
  it.each([
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const)("%s", async (signal, exitCode) => {
    const lake = await newLake();
    const running = run(feed, lake, { GOLDPIPE_FAST_JOB_CHUNK_SECONDS: "1" });
    await until(
      async () => {
        const scores = await readdir(path.join(lake, "runs"), { recursive: true }).catch(() => [] as string[]);
        return scores.some((file) => /part-.*\.parquet$/.test(file));
      },
      "the first chunk in the lake",
      { timeoutMs: 60_000 },
    );
    running.signal(signal);
    const end = await running.exited;
    expect(end.code, end.stderr).toBe(exitCode);
    expect(end.stderr).toContain(`goldpipe: ${signal}: stopping the GPU jobs and the workflow`);
    expect(end.stderr).toMatch(/goldpipe: run run-\w+ stopped unfinished: shard\(s\) [\d, ]+ of 2 not scored yet; /);
    expect(end.stderr).toMatch(/the next goldpipe run or watch resumes it, or: goldpipe replay run-\w+/);
    expect((await readdir(os.tmpdir())).filter((name) => name.startsWith(`goldpipe-job-${running.pid}-`))).toEqual([]);
    expect(await succeeded(lake)).toEqual(["Sealed"]);

    const again = await runGoldpipe(["run", feed, "--lake", lake, "--model", model, ...RUN_OPTIONS], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/run run-\w+ was left unfinished \(Sealed, \d of 2 shard\(s\) scored\): resuming it/);
    expect(await counts(lake)).toEqual({ curated: { rows: 40, distinct: 40 }, scored: { rows: 40, distinct: 40 } });
  });
});
