import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { shardStatusKey, successKey } from "../../../../../functions/core/lake-keys.ts";
import { writeManifest } from "../../../../../functions/core/orchestration/manifest.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";
import { goldpipe } from "../../../../support/pipeline-fixtures.ts";
import { sealedManifest } from "../../../../support/run-fixtures.ts";

let lake: string;
let store: DirectoryObjectStore;
beforeEach(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-status-test-"));
  store = new DirectoryObjectStore(lake);
  await writeManifest(store, { ...sealedManifest("run-b", 2), created_at: "2024-03-02T10:00:00.000Z" });
  const finished = sealedManifest("run-a", 2);
  await writeManifest(store, {
    ...finished,
    status: "PartiallyFailed",
    finished_at: "2024-03-01T16:05:00.000Z",
    shards: [
      { ...finished.shards[0]!, status: "succeeded" },
      { ...finished.shards[1]!, status: "failed", error: "States.TaskFailed: CUDA out of memory" },
    ],
  });
  await store.put(successKey("run-a", 0), "");
  await store.put("runs/run-a/scores/0/part-x-00000.parquet", "chunk");
  await store.put(
    shardStatusKey("run-a", 1),
    JSON.stringify({ index: 1, status: "failed", error: "States.TaskFailed", cause: "CUDA out of memory" }),
  );
});
afterEach(() => rm(lake, { recursive: true, force: true }));

describe("goldpipe status", () => {
  it("lists the runs, oldest first", async () => {
    const { code, stdout } = await goldpipe(["status", "--lake", lake, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      {
        run_id: "run-a",
        created_at: "2024-03-01T16:00:00.000Z",
        trigger: "manual",
        status: "PartiallyFailed",
        shards: 2,
        shards_failed: 1,
        rows: 4,
      },
      {
        run_id: "run-b",
        created_at: "2024-03-02T10:00:00.000Z",
        trigger: "manual",
        status: "Sealed (not finished)",
        shards: 2,
        shards_failed: 0,
        rows: 4,
      },
    ]);
    const table = await goldpipe(["status", "--lake", lake]);
    expect(table.stdout).toMatch(/run-a .*PartiallyFailed/);
  });

  it("shows one run's shards from the lake, and how to finish it", async () => {
    const { code, stdout } = await goldpipe(["status", "run-a", "--lake", lake]);
    expect(code).toBe(0);
    expect(stdout).toContain("run run-a: PartiallyFailed");
    expect(stdout).toMatch(/0 +2 +succeeded +1/);
    expect(stdout).toContain("States.TaskFailed: CUDA out of memory");
    expect(stdout).toContain("replay the failed shards with: goldpipe replay run-a");
    expect((await goldpipe(["status", "run-b", "--lake", lake])).stdout).toContain(
      "the next goldpipe run or watch resumes it, or: goldpipe replay run-b",
    );
  });

  it("says when there is no such run, or no run at all", async () => {
    const missing = await goldpipe(["status", "run-zzz", "--lake", lake]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no run run-zzz in");
    const empty = await mkdtemp(path.join(os.tmpdir(), "goldpipe-status-empty-"));
    try {
      expect((await goldpipe(["status", "--lake", empty])).stdout).toContain("no runs in");
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
