import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scoresPrefix, shardStatusKey, successKey } from "../../../../../functions/core/lake-keys.ts";
import type { ObjectStore } from "../../../../../functions/core/ports.ts";
import { failureReason, shardState } from "../../../../../functions/core/orchestration/shard-state.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";

let root: string;
let store: ObjectStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "goldpipe-shard-state-test-"));
  store = new DirectoryObjectStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const described = JSON.stringify({ ProcessingJobName: "gp-x-1-3", ProcessingJobStatus: "Failed", FailureReason: "CUDA out of memory" });

describe("shardState", () => {
  it("counts the chunks of an unfinished shard, ignoring the checkpoint marker and metrics", async () => {
    await store.put(`${scoresPrefix("run-a", 0)}.checkpoint`, "");
    await store.put(`${scoresPrefix("run-a", 0)}part-1-00000.parquet`, "x");
    await store.put(`${scoresPrefix("run-a", 0)}part-1-00001.parquet`, "x");
    // shard 10 shares the prefix's first characters, not its chunks
    await store.put(`${scoresPrefix("run-a", 10)}part-1-00000.parquet`, "x");
    expect(await shardState(store, "run-a", { index: 0, rows: 9 })).toEqual({
      index: 0,
      rows: 9,
      state: "unfinished",
      chunks: 2,
      error: null,
    });
  });

  it("says failed with the job's reason, and succeeded once the checkpoint is there", async () => {
    await store.put(
      shardStatusKey("run-a", 1),
      JSON.stringify({ index: 1, status: "failed", error: "States.TaskFailed", cause: described }),
    );
    expect(await shardState(store, "run-a", { index: 1, rows: 9 })).toMatchObject({
      state: "failed",
      error: "States.TaskFailed: CUDA out of memory",
    });
    await store.put(successKey("run-a", 1), "");
    expect(await shardState(store, "run-a", { index: 1, rows: 9 })).toMatchObject({ state: "succeeded", error: null });
  });
});

describe("failureReason", () => {
  it("takes FailureReason out of a .sync cause and keeps other causes whole", () => {
    expect(failureReason("States.TaskFailed", described)).toBe("States.TaskFailed: CUDA out of memory");
    expect(failureReason("States.Timeout", "timed out")).toBe("States.Timeout: timed out");
    expect(failureReason("States.Timeout", null)).toBe("States.Timeout");
  });
});
