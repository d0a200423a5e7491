import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { shardStatusKey, successKey } from "../../../functions/core/lake-keys.ts";
import { readManifest, writeManifest } from "../../../functions/core/orchestration/manifest.ts";
import { finalizeFromEvent, handler } from "../../../functions/finalize-run.ts";
import { DirectoryObjectStore } from "../../../local/adapters/directory-object-store.ts";
import { sealedManifest } from "../../support/run-fixtures.ts";

let lake: string;
let store: DirectoryObjectStore;
beforeEach(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-finalize-handler-"));
  store = new DirectoryObjectStore(lake);
});
afterEach(() => rm(lake, { recursive: true, force: true }));

describe("the finalize-run function", () => {
  it("takes FinalizeRun's input as the workflow passes it and answers the outcome and failed shards; the run is Merging", async () => {
    await writeManifest(store, sealedManifest("run-f", 2));
    await store.put(successKey("run-f", 0), "");
    await store.put(shardStatusKey("run-f", 1), JSON.stringify({ index: 1, status: "failed", error: "States.Timeout", cause: "" }));
    const result = await finalizeFromEvent({ store }, { run_id: "run-f" });
    expect(result).toEqual({ run_id: "run-f", outcome: "PartiallyFailed", shards: 2, shards_failed: 1, failed_shards: [1] });
    expect((await readManifest(store, "run-f"))?.status).toBe("Merging");
  });

  it("says which run has no manifest", async () => {
    await expect(finalizeFromEvent({ store }, { run_id: "run-none" })).rejects.toThrow(/run run-none has no manifest/);
  });

  it("refuses an event without a run id, naming the field", async () => {
    await expect(handler({ runId: "run-f" }, {} as Context)).rejects.toThrow(/run_id/);
  });
});
