import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitRun, finalizeRun } from "../../../../../functions/core/orchestration/finalize-run.ts";
import { shardStatusKey, successKey } from "../../../../../functions/core/lake-keys.ts";
import { readManifest, writeManifest } from "../../../../../functions/core/orchestration/manifest.ts";
import type { ObjectStore } from "../../../../../functions/core/ports.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";
import { sealedManifest } from "../../../../support/run-fixtures.ts";

let root: string;
let store: ObjectStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "goldpipe-finalize-test-"));
  store = new DirectoryObjectStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const describedFailure = JSON.stringify({
  ProcessingJobName: "gp-x-1-3",
  ProcessingJobStatus: "Failed",
  FailureReason: "CUDA out of memory",
});

describe("finalizeRun", () => {
  it("folds every shard's checkpoint in and leaves the run Merging: not Succeeded before its curated files are committed", async () => {
    await writeManifest(store, sealedManifest("run-a", 2));
    await store.put(successKey("run-a", 0), "");
    await store.put(successKey("run-a", 1), "");
    const result = await finalizeRun(store, { run_id: "run-a" });
    expect(result).toEqual({ run_id: "run-a", outcome: "Succeeded", shards: 2, shards_failed: 0, failed_shards: [] });
    const manifest = await readManifest(store, "run-a");
    expect(manifest?.status).toBe("Merging");
    expect(manifest?.finished_at).toBeNull();
    expect(manifest?.shards.map((s) => s.status)).toEqual(["succeeded", "succeeded"]);
  });

  it("commits the outcome with commitRun: Succeeded, or PartiallyFailed when a shard failed, with the time", async () => {
    await writeManifest(store, sealedManifest("run-a", 2));
    await store.put(successKey("run-a", 0), "");
    await finalizeRun(store, { run_id: "run-a" });
    const committed = await commitRun(store, "run-a", () => new Date("2024-03-01T17:00:00Z"));
    expect(committed).toMatchObject({ status: "PartiallyFailed", finished_at: "2024-03-01T17:00:00.000Z" });
    expect((await readManifest(store, "run-a"))?.status).toBe("PartiallyFailed");

    await store.put(successKey("run-a", 1), "");
    await finalizeRun(store, { run_id: "run-a" });
    expect((await commitRun(store, "run-a")).status).toBe("Succeeded");
  });

  it("lists failed shards with the job's failure reason, and a later checkpoint wins over an earlier failure", async () => {
    await writeManifest(store, sealedManifest("run-b", 3));
    await store.put(successKey("run-b", 0), "");
    await store.put(
      shardStatusKey("run-b", 1),
      JSON.stringify({ index: 1, status: "failed", error: "States.TaskFailed", cause: describedFailure }),
    );
    // shard 2 failed in the first execution, then a replay finished it
    await store.put(
      shardStatusKey("run-b", 2),
      JSON.stringify({ index: 2, status: "failed", error: "States.TaskFailed", cause: describedFailure }),
    );
    await store.put(successKey("run-b", 2), "");

    const result = await finalizeRun(store, { run_id: "run-b" });
    expect(result).toEqual({ run_id: "run-b", outcome: "PartiallyFailed", shards: 3, shards_failed: 1, failed_shards: [1] });
    const shards = (await readManifest(store, "run-b"))?.shards;
    expect(shards?.map((s) => [s.status, s.error])).toEqual([
      ["succeeded", null],
      ["failed", "States.TaskFailed: CUDA out of memory"],
      ["succeeded", null],
    ]);
  });

  it("counts a shard with neither checkpoint nor failure record as failed, saying so", async () => {
    await writeManifest(store, sealedManifest("run-c", 1));
    await finalizeRun(store, { run_id: "run-c" });
    expect((await readManifest(store, "run-c"))?.shards[0]?.error).toBe(
      "the workflow recorded neither a checkpoint nor a failure for this shard",
    );
  });

  it("refuses a run without a manifest", async () => {
    await expect(finalizeRun(store, { run_id: "run-missing" })).rejects.toThrow("run run-missing has no manifest");
    await expect(commitRun(store, "run-missing")).rejects.toThrow("run run-missing has no manifest");
  });
});
