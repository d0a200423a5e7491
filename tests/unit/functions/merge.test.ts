import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Context } from "aws-lambda";
import { handler, mergeFromEvent } from "../../../functions/merge.ts";
import { DirectoryObjectStore } from "../../../local/adapters/directory-object-store.ts";
import { repositoryTableDefinition } from "../../../local/query/table-definition.ts";
import { putScoredShard, scoredHeadline } from "../../support/scored-fixtures.ts";

const table = repositoryTableDefinition();
/** The memory caps the function gave the (real) merge. */
const memoryLimits = vi.hoisted(() => [] as (number | undefined)[]);
vi.mock("../../../functions/core/lake/merge.ts", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../../functions/core/lake/merge.ts")>();
  return {
    ...actual,
    mergeRun: (runId: string, options: Parameters<typeof actual.mergeRun>[1]) => {
      memoryLimits.push(options.memoryLimitMb);
      return actual.mergeRun(runId, options);
    },
  };
});

let lake: string;
let store: DirectoryObjectStore;
beforeEach(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-merge-handler-"));
  store = new DirectoryObjectStore(lake);
});
afterEach(() => rm(lake, { recursive: true, force: true }));

describe("the merge function", () => {
  it("registers the partitions in the stage's database at the bucket's locations", async () => {
    await putScoredShard(store, "run-a", 0, [[scoredHeadline({ id: "h1" })]]);
    const result = await mergeFromEvent(
      { store, table },
      { run_id: "run-a" },
      { BUCKET: "goldpipe-dev-lake", ATHENA_DATABASE: "goldpipe_dev" },
    );
    expect(result).toMatchObject({ run_id: "run-a", rows_scored: 1, rows_curated: 1, duplicates: 0 });
    expect(result.refresh_statements).toEqual(["runs/run-a/refresh/0.sql"]);
    expect((await store.get("runs/run-a/refresh/0.sql"))?.toString()).toBe(
      "ALTER TABLE goldpipe_dev.headline_sentiment ADD IF NOT EXISTS\n" +
        "  PARTITION (year = 2024, month = 3, day = 1) " +
        "LOCATION 's3://goldpipe-dev-lake/curated/headline_sentiment/year=2024/month=03/day=01/'",
    );
  });

  it("lets DuckDB take 60% of the function's memory before it spills, and no cap outside Lambda", async () => {
    await putScoredShard(store, "run-a", 0, [[scoredHeadline({ id: "h1" })]]);
    await mergeFromEvent({ store, table }, { run_id: "run-a" }, { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "10240" });
    await mergeFromEvent({ store, table }, { run_id: "run-a" }, {});
    expect(memoryLimits.slice(-2)).toEqual([6144, undefined]);
  });

  it("refuses an event without a run id, naming the field", async () => {
    await expect(handler({ runId: "run-a" }, {} as Context)).rejects.toThrow(/run_id/);
  });
});
