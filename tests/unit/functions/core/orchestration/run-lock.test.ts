import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ObjectStore } from "../../../../../functions/core/ports.ts";
import { keepRunLock, runExecutionLock, startRunExecution } from "../../../../../functions/core/orchestration/run-lock.ts";
import { LocalWorkflow } from "../../../../../local/adapters/local-workflow.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";

let root: string;
let store: ObjectStore;
let finish: () => void;
let workflow: LocalWorkflow;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "goldpipe-run-lock-test-"));
  store = new DirectoryObjectStore(root);
  workflow = new LocalWorkflow(() => new Promise((resolve) => (finish = () => resolve({}))));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const start = (name: string, prepare = async () => ({ name, input: {} })) =>
  startRunExecution({ store, workflow }, { runId: "run-a", prepare });

describe("startRunExecution", () => {
  it("starts one execution of a run at a time: the lock names it, and frees itself once it has ended", async () => {
    expect(await start("run-a")).toEqual({ started: true, executionId: "run-a", alreadyStarted: false });
    expect(await runExecutionLock(store, "run-a")).toMatchObject({ run_id: "run-a", holder: { execution: "run-a" } });
    const refused = await start("run-a-replay-1");
    expect(refused).toMatchObject({ started: false, heldBy: { holder: { execution: "run-a" } } });
    finish();
    await workflow.wait("run-a");
    expect(await start("run-a-replay-1")).toMatchObject({ started: true, executionId: "run-a-replay-1" });
  });

  it("releases the lock when the start fails, so the next caller is not kept waiting", async () => {
    await expect(
      start("run-a", async () => {
        throw new Error("the manifest cannot be written");
      }),
    ).rejects.toThrow("the manifest cannot be written");
    expect(await runExecutionLock(store, "run-a")).toBeUndefined();
  });
});

describe("keepRunLock", () => {
  it("renews and releases the lock for the execution holding it, and for no other", async () => {
    await start("run-a");
    expect(await keepRunLock(store, "run-a", "run-a-replay-9", { release: true })).toBe(false);
    expect(await keepRunLock(store, "run-a", "run-a", { ttlMs: 60_000 })).toBe(true);
    expect(await keepRunLock(store, "run-a", "run-a", { release: true })).toBe(true);
    expect(await runExecutionLock(store, "run-a")).toBeUndefined();
  });
});
