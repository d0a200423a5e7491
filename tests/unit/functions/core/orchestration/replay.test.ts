import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadInputError } from "../../../../../functions/core/errors.ts";
import { successKey } from "../../../../../functions/core/lake-keys.ts";
import { readManifest, writeManifest } from "../../../../../functions/core/orchestration/manifest.ts";
import type { ObjectStore } from "../../../../../functions/core/ports.ts";
import { replayRun, RunBusyError } from "../../../../../functions/core/orchestration/replay.ts";
import type { RunInput, ShardItem } from "../../../../../functions/core/orchestration/run-input.ts";
import { LocalWorkflow } from "../../../../../local/adapters/local-workflow.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";
import { sealedManifest, TEST_RUN_SETTINGS } from "../../../../support/run-fixtures.ts";

let root: string;
let store: ObjectStore;
let started: { name: string; input: RunInput }[];
let workflow: LocalWorkflow;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "goldpipe-replay-test-"));
  store = new DirectoryObjectStore(root);
  started = [];
  workflow = new LocalWorkflow(async (name, input) => started.push({ name, input: input as RunInput }));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe("replayRun", () => {
  it("re-drives only the shards without a checkpoint, under a new execution name each time", async () => {
    await writeManifest(store, sealedManifest("run-a", 4));
    await store.put(successKey("run-a", 0), "");
    await store.put(successKey("run-a", 2), "");

    const first = await replayRun({ store, workflow }, { run_id: "run-a", settings: TEST_RUN_SETTINGS });
    expect(first).toEqual({ run_id: "run-a", execution_id: "run-a-replay-1", shards: [1, 3], rows: 4 });
    await store.put(successKey("run-a", 1), "");
    const second = await replayRun({ store, workflow }, { run_id: "run-a", settings: TEST_RUN_SETTINGS });
    expect(second).toEqual({ run_id: "run-a", execution_id: "run-a-replay-2", shards: [3], rows: 2 });

    await workflow.wait("run-a-replay-2");
    const listed = async (input: RunInput) =>
      (JSON.parse((await store.get(input.shard_list_key))!.toString("utf8")) as ShardItem[]).map((s) => s.index);
    expect(started.map((s) => [s.name, s.input.shard_list_key])).toEqual([
      ["run-a-replay-1", "runs/run-a/executions/run-a-replay-1/shards.json"],
      ["run-a-replay-2", "runs/run-a/executions/run-a-replay-2/shards.json"],
    ]);
    expect([await listed(started[0]!.input), await listed(started[1]!.input)]).toEqual([[1, 3], [3]]);
    expect((await readManifest(store, "run-a"))?.executions).toEqual(["run-a", "run-a-replay-1", "run-a-replay-2"]);
  });

  it("is refused while another execution is executing the run, naming it, and goes ahead once that one has ended", async () => {
    await writeManifest(store, sealedManifest("run-a", 2));
    let finish!: () => void;
    const slow = new LocalWorkflow(() => new Promise((resolve) => (finish = () => resolve({}))));
    const first = await replayRun({ store, workflow: slow }, { run_id: "run-a", settings: TEST_RUN_SETTINGS });
    const second = replayRun({ store, workflow: slow }, { run_id: "run-a", settings: TEST_RUN_SETTINGS });
    await expect(second).rejects.toThrow(RunBusyError);
    await expect(second).rejects.toThrow(/^run run-a is being executed now by process \d+ \(pid \d+ on .*\) since /);
    finish();
    await slow.wait(first.execution_id);
    const third = await replayRun({ store, workflow: slow }, { run_id: "run-a", settings: TEST_RUN_SETTINGS });
    expect(third.execution_id).toBe("run-a-replay-2");
    expect((await readManifest(store, "run-a"))?.executions).toEqual(["run-a", "run-a-replay-1", "run-a-replay-2"]);
  });

  it("tells the user when the run is not in the lake", async () => {
    await expect(replayRun({ store, workflow }, { run_id: "run-nope", settings: TEST_RUN_SETTINGS })).rejects.toThrow(BadInputError);
  });
});
