import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readManifest } from "../../../functions/core/orchestration/manifest.ts";
import type { RunInput } from "../../../functions/core/orchestration/run-input.ts";
import type { Context } from "aws-lambda";
import { handler, sealFromEvent } from "../../../functions/seal.ts";
import { DirectoryObjectStore } from "../../../local/adapters/directory-object-store.ts";
import { LocalWorkflow } from "../../../local/adapters/local-workflow.ts";
import { headline, putSegment, SEAL_FUNCTION_ENV } from "../../support/run-fixtures.ts";

const ENV = { ...SEAL_FUNCTION_ENV, MAX_CONCURRENCY: "4", SHARD_SIZE: "2" };

let lake: string;
let store: DirectoryObjectStore;
let started: { name: string; input: RunInput }[];
let workflow: LocalWorkflow;
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "goldpipe-seal-handler-"));
  store = new DirectoryObjectStore(lake);
  started = [];
  workflow = new LocalWorkflow(async (name, input) => started.push({ name, input: input as RunInput }));
  await putSegment(store, "seg-1", [headline("h1"), headline("h2"), headline("h3")]);
});
afterEach(() => rm(lake, { recursive: true, force: true }));

describe("the seal function", () => {
  it("seals by hand with SHARD_SIZE and starts the run with the environment's settings", async () => {
    const result = await sealFromEvent({ store, workflow }, { trigger: "manual" }, ENV);
    expect(result).toMatchObject({ sealed: true, shards: 2, rows: 3, already_started: false });
    const runId = result.sealed ? result.run_id : "";
    expect((await readManifest(store, runId))?.trigger).toBe("manual");
    await workflow.wait(runId);
    expect(started[0]?.input).toMatchObject({
      bucket: "goldpipe-test-lake",
      max_concurrency: 4,
      job: { instance_type: "ml.g5.xlarge", chunk_rows: 4096 },
    });
  });

  it("takes the trigger and a shard size from the event", async () => {
    const result = await sealFromEvent({ store, workflow }, { trigger: "size", shard_size: 10 }, ENV);
    expect(result).toMatchObject({ sealed: true, shards: 1 });
    expect((await readManifest(store, result.sealed ? result.run_id : ""))?.trigger).toBe("size");
  });

  it("refuses an event it does not know, naming the field", async () => {
    await expect(handler({ trigger: "schedule" }, {} as Context)).rejects.toThrow(/trigger/);
    await expect(handler({ shardSize: 3 }, {} as Context)).rejects.toThrow(/shardSize/);
  });
});
