import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { manifestKey, refreshStatementKey, shardListKey, shardStatusKey, successKey } from "../../../../functions/core/lake-keys.ts";
import { readManifest, writeManifest } from "../../../../functions/core/orchestration/manifest.ts";
import type { MergeResult } from "../../../../functions/core/lake/merge.ts";
import type { ObjectStore } from "../../../../functions/core/ports.ts";
import { prepareRunExecution, shardItems, type RunInput } from "../../../../functions/core/orchestration/run-input.ts";
import { parseChaos } from "../../../../local/runtime/chaos.ts";
import {
  ExecutionStoppedError,
  runPipeline,
  type LakeSteps,
  type LocalPipelineOptions,
  type ShardEvent,
} from "../../../../local/runtime/pipeline.ts";
import { FAKE_SCORER } from "../../../support/fake-scorer.ts";
import { DirectoryObjectStore } from "../../../../local/adapters/directory-object-store.ts";
import { sealedManifest, TEST_RUN_SETTINGS } from "../../../support/run-fixtures.ts";

let dir: string;
let store: ObjectStore;
let fakePython: string;
let events: ShardEvent[];
let calls: { state: string; input: unknown }[];

const settings = () => ({
  ...TEST_RUN_SETTINGS,
  bucket: "goldpipe-local",
  job: { ...TEST_RUN_SETTINGS.job, model_s3_uri: pathToFileURL(path.join(dir, "model")).href },
});

/** Lake steps that record their calls; the merge writes the given refresh statements where the workflow reads them. */
function lakeSteps(statements: string[] = []): LakeSteps {
  return {
    merge: async (runId) => {
      calls.push({ state: "MergeRun", input: runId });
      const keys = statements.map((_, k) => refreshStatementKey(runId, k));
      for (const [k, key] of keys.entries()) await store.put(key, statements[k]!);
      const merged: MergeResult = {
        run_id: runId,
        rows_scored: 2,
        rows_curated: 2,
        duplicates: 0,
        partitions: [],
        refresh_statements: keys,
        seconds: 0.1,
      };
      return merged;
    },
    refresh: async (statement) => {
      calls.push({ state: "RegisterPartitions", input: statement });
    },
    report: async (input) => {
      calls.push({ state: "ReportRun", input });
      return { reported: true };
    },
  };
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-pipeline-test-"));
  store = new DirectoryObjectStore(path.join(dir, "lake"));
  fakePython = path.join(dir, "fake-python");
  await writeFile(fakePython, FAKE_SCORER);
  await chmod(fakePython, 0o755);
  await mkdir(path.join(dir, "model"));
  await writeFile(path.join(dir, "model", "config.json"), "tiny");
  const manifest = sealedManifest("run-a", 3);
  await writeManifest(store, manifest);
  for (const shard of manifest.shards) await store.put(shard.key, "rows");
  events = [];
  calls = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Runs the execution `name` over every shard of run-a, its shard list written to the lake as seal writes it. */
const run = async (name: string, lake: LakeSteps, chaos?: string, extra: Partial<LocalPipelineOptions> = {}) => {
  const manifest = (await readManifest(store, "run-a"))!;
  const input: RunInput = {
    run_id: "run-a",
    manifest_key: manifestKey("run-a"),
    shard_list_key: shardListKey("run-a", name),
    ...settings(),
  };
  await store.put(input.shard_list_key, JSON.stringify(shardItems(manifest)));
  return runPipeline(name, input, {
    store,
    bucket: "goldpipe-local",
    lake,
    python: fakePython,
    chaos: parseChaos(chaos),
    retryDelayMs: 1,
    onShard: (event) => events.push(event),
    ...extra,
  });
};

describe("runPipeline: statemachines/pipeline.asl.yaml on the local runtime", () => {
  it(
    "skips done shards, retries a failing one then records it failed while its siblings go on, " + "and finalizes, merges and reports",
    async () => {
      await store.put(successKey("run-a", 0), "");
      const output = await run("run-a", lakeSteps(), "fail=1,shards=2");

      expect(output).toEqual({ reported: true });
      expect(events.filter((e) => e.index === 0)).toEqual([{ type: "skipped", index: 0 }]);
      expect(events.filter((e) => e.index === 1 && e.type !== "chunks")).toEqual([
        { type: "attempt", index: 1, attempt: 1 },
        { type: "succeeded", index: 1 },
      ]);
      // one attempt and the three retries of a failed job, then the Catch
      expect(events.filter((e) => e.index === 2).map((e) => e.type)).toEqual([
        ...Array(4).fill(["attempt", "attempt-failed"]).flat(),
        "failed",
      ]);
      expect(await store.head("runs/run-a/scores/1/.checkpoint")).toBeDefined();
      expect(await store.head(successKey("run-a", 1))).toBeDefined();

      const recorded = JSON.parse((await store.get(shardStatusKey("run-a", 2)))!.toString("utf8"));
      expect(recorded).toMatchObject({ index: 2, status: "failed", error: "States.TaskFailed" });
      expect(JSON.parse(recorded.cause).FailureReason).toBe("GOLDPIPE_CHAOS failed attempt 4 of shard run-a-2 before it started");

      // FinalizeRun has folded the outcomes in; the run is committed only by the real ReportRun, not this stand-in.
      const manifest = await readManifest(store, "run-a");
      expect(manifest?.status).toBe("Merging");
      expect(manifest?.shards.map((s) => s.status)).toEqual(["succeeded", "succeeded", "failed"]);

      // no refresh statement: the Choice goes straight to ReportRun
      expect(calls.map((c) => c.state)).toEqual(["MergeRun", "ReportRun"]);
      expect(calls[1]?.input).toEqual({
        run_id: "run-a",
        merge: { run_id: "run-a", rows_scored: 2, rows_curated: 2, duplicates: 0, partitions: [], refresh_statements: [], seconds: 0.1 },
        instance_type: TEST_RUN_SETTINGS.job.instance_type,
        capacity: "on-demand",
      });
    },
  );

  it("runs managed-spot training jobs when the run asks for spot, restarting an interrupted one from its checkpoint", async () => {
    const manifest = (await readManifest(store, "run-a"))!;
    const spot = { ...settings(), job: { ...settings().job, capacity: "spot" as const, max_wait_seconds: 7200 } };
    process.env.FAKE_JOB = "obey";
    try {
      const { input } = await prepareRunExecution(store, manifest, spot, "run-a");
      await runPipeline("run-a", input, {
        store,
        bucket: "goldpipe-local",
        lake: lakeSteps(),
        python: fakePython,
        // seed 0: shard 1's first spot attempt is interrupted after one chunk, its restart is not
        chaos: parseChaos("interrupt=0.5,after_chunks=1,shards=1,seed=0"),
        retryDelayMs: 1,
        onShard: (event) => events.push(event),
      });
    } finally {
      delete process.env.FAKE_JOB;
    }

    expect(events.filter((e) => e.index === 1 && e.type !== "chunks")).toEqual([
      { type: "attempt", index: 1, attempt: 1 },
      { type: "interrupted", index: 1, restart: 1, reason: "GOLDPIPE_CHAOS interrupted spot attempt 1 of shard run-a-1 after 1 chunk(s)" },
      { type: "succeeded", index: 1 },
    ]);
    // The restarted container found the chunk the interrupted one had uploaded in its checkpoint folder.
    expect((await store.get("runs/run-a/scores/1/given.txt"))?.toString()).toMatch(/checkpoint_files=.*part-new-00000\.parquet/);
    for (const index of [0, 1, 2]) {
      const billing = JSON.parse((await store.get(`runs/run-a/shard-billing/${index}.json`))!.toString());
      expect(billing).toEqual({
        index,
        capacity: "spot",
        job_name: expect.stringMatching(/^gs-[0-9a-f]{32}-\d-0$/),
        training_seconds: expect.any(Number),
        billable_seconds: billing.training_seconds,
      });
    }
    expect(calls.find((c) => c.state === "ReportRun")?.input).toMatchObject({ capacity: "spot" });
  });

  it("registers new partitions with each of the merge's refresh statements, in order, before reporting", async () => {
    const statements = [1, 2, 3].map(
      (day) => `ALTER TABLE goldpipe.headline_sentiment ADD IF NOT EXISTS PARTITION (year=2024, month=3, day=${day})`,
    );
    await run("run-a", lakeSteps(statements));
    expect(calls.map((c) => c.state)).toEqual(["MergeRun", "RegisterPartitions", "RegisterPartitions", "RegisterPartitions", "ReportRun"]);
    expect(calls.slice(1, 4).map((c) => c.input)).toEqual(statements);
    expect((await readManifest(store, "run-a"))?.status).toBe("Merging");
  });

  it("stops when told to: the running job is stopped, no state after it runs, the run stays unfinished", async () => {
    process.env.FAKE_JOB = "sleep";
    const stop = new AbortController();
    try {
      const running = run("run-a", lakeSteps(), undefined, { signal: stop.signal });
      while (!events.some((e) => e.type === "attempt")) await new Promise((resolve) => setTimeout(resolve, 20));
      stop.abort();
      await expect(running).rejects.toBeInstanceOf(ExecutionStoppedError);
    } finally {
      delete process.env.FAKE_JOB;
    }
    expect(calls).toEqual([]);
    // the jobs running when it stopped (max_concurrency at most), and none after
    expect(events.filter((e) => e.type === "attempt").length).toBeLessThanOrEqual(settings().max_concurrency);
    expect(events.filter((e) => e.type === "failed")).toEqual([]);
    expect(await store.head(shardStatusKey("run-a", 0))).toBeUndefined();
    expect((await readManifest(store, "run-a"))?.status).toBe("Sealed");
  });

  it("tells the kill switch each state it has run", async () => {
    const states: string[] = [];
    await run("run-a", lakeSteps(), undefined, { killSwitch: { afterWrite: () => {}, afterState: (state) => states.push(state) } });
    expect(states.filter((state) => state !== "CheckCheckpoint" && state !== "EnsureCheckpointPrefix")).toEqual([
      "ScoreShardsItemReader",
      "ScoreShard",
      "ScoreShard",
      "ScoreShard",
      "FinalizeRun",
      "MergeRun",
      "ReportRun",
    ]);
  });

  it("fails the execution when a state after the Map fails, with that state's error", async () => {
    const broken = { ...lakeSteps(), merge: async () => Promise.reject(new Error("curated prefix is not writable")) };
    await expect(run("run-a", broken)).rejects.toThrow("curated prefix is not writable");
  });
});
