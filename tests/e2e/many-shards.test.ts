import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runManyShards, wholeRunProblems } from "../support/many-shards-run.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-many-shards-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/**
 * The run of thousands of shards is `npm run bench:many-shards` (minutes on two cores); this is the
 * same run, smaller: the Distributed Map's shard list read from the lake, one child per shard.
 */
describe("a run of many small shards on the local runtime, with the fast test job", () => {
  it("scores every shard exactly once and its report's counts add up", async () => {
    const run = await runManyShards({ dir, shards: 16, rowsPerShard: 5, concurrency: 8 });
    expect(run.report.shards).toBe(16);
    expect(run.report.rows_quarantined).toBeGreaterThan(0);
    expect(await wholeRunProblems(run)).toEqual([]);
  });

  it("stays whole when a third of the job attempts crash after their first chunk", async () => {
    const run = await runManyShards({ dir, shards: 8, rowsPerShard: 6, concurrency: 8, chaos: "fail=0.33,after_chunks=1,seed=3" });
    expect([...run.attempts.values()].some((attempts) => attempts > 1)).toBe(true);
    expect(await wholeRunProblems(run)).toEqual([]);
  });
});
