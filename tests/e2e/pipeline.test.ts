import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withDuckDB } from "../../functions/core/lake/duckdb.ts";
import { sqlString } from "../../functions/core/lake/sql-literal.ts";
import { RunReportSchema, type RunReport } from "../../functions/core/lake/report.ts";
import { curatedRows, scoredRows } from "../support/lake-counts.ts";
import { buildTinyModel, goldpipe, writeHeadlinesCsv } from "../support/pipeline-fixtures.ts";

let workdir: string;
let model: string;
let lake: string;

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-e2e-"));
  model = await buildTinyModel(workdir);
});
afterAll(() => rm(workdir, { recursive: true, force: true }));
beforeEach(async () => {
  lake = await mkdtemp(path.join(workdir, "lake-"));
});

/** `goldpipe run` on small shards of small chunks, so retries and resumes have something to do. */
const run = (file: string, env: Record<string, string | undefined> = {}) =>
  goldpipe(["run", file, "--lake", lake, "--model", model, "--shard-size", "300", "--chunk-rows", "100", "--concurrency", "2", "--json"], {
    GOLDPIPE_CHAOS: undefined,
    ...env,
  });

const reportOf = (stdout: string): RunReport => RunReportSchema.parse(JSON.parse(stdout));

/** Rows the shards' final attempts found already scored by an earlier, crashed one (their metrics.json). */
async function rowsResumed(runId: string): Promise<number> {
  const glob = path.join(lake, "runs", runId, "scores", "*", "metrics.json");
  return withDuckDB(async (db) => {
    const [row] = (
      await db.runAndReadAll(`SELECT sum(rows_skipped_resumed)::INTEGER AS resumed FROM read_json(${sqlString(glob)})`)
    ).getRowObjectsJson() as { resumed: number }[];
    return row!.resumed;
  });
}

function expectCountsAddUp(report: RunReport) {
  expect(report.rows_read).toBe(report.rows_valid + report.rows_quarantined);
  expect(report.rows_valid).toBe(report.rows_sharded + report.duplicates_sealed);
  expect(report.rows_curated).toBe(report.rows_scored - report.duplicates);
}

// Every job attempt starts Python, torch and the model: a run with retried shards takes minutes on a busy shared CPU.
describe("goldpipe run on the local runtime (the ASL, the processing-job runner, the real GPU job)", { timeout: 420_000 }, () => {
  it("scores every valid headline once and the report's counts add up", async () => {
    const file = await writeHeadlinesCsv(path.join(workdir, "drop.csv"), 900, 11, 12);
    const { code, stdout, stderr } = await run(file);
    expect(code, stderr).toBe(0);
    const report = reportOf(stdout);
    expect(report).toMatchObject({ status: "Succeeded", trigger: "manual", rows_read: 900, shards_failed: 0, failed_shards: [] });
    expect(report.rows_quarantined).toBeGreaterThan(0);
    expectCountsAddUp(report);
    expect(report.rows_scored).toBe(report.rows_sharded);
    expect(report.shards).toBe(Math.ceil(report.rows_sharded / 300));
    expect(await scoredRows(lake, report.run_id)).toEqual({ rows: report.rows_sharded, distinct: report.rows_sharded });
    expect(await curatedRows(lake)).toEqual({ rows: report.rows_curated, distinct: report.rows_curated });
  });

  it("still succeeds when a third of job attempts crash after a chunk, resuming each retry and scoring no row twice", async () => {
    const file = await writeHeadlinesCsv(path.join(workdir, "chaos.csv"), 900, 12);
    const { code, stdout, stderr } = await run(file, { GOLDPIPE_CHAOS: "fail=0.33,after_chunks=1,seed=7" });
    expect(code, stderr).toBe(0);
    // the seed makes some attempts crash: the retries are what this test is about
    expect(stderr).toMatch(/shard \d+: attempt 1 failed: .*GOLDPIPE_CRASH_AFTER_CHUNKS=1/);
    const report = reportOf(stdout);
    expect(report).toMatchObject({ status: "Succeeded", shards_failed: 0 });
    expect(await rowsResumed(report.run_id)).toBeGreaterThan(0);
    expectCountsAddUp(report);
    expect(report.rows_scored).toBe(report.rows_sharded);
    expect(await scoredRows(lake, report.run_id)).toEqual({ rows: report.rows_sharded, distinct: report.rows_sharded });
    expect(await curatedRows(lake)).toEqual({ rows: report.rows_curated, distinct: report.rows_curated });
  });

  it("ends PartiallyFailed (exit 3) when shards exhaust their retries, and replay makes the run whole", async () => {
    const file = await writeHeadlinesCsv(path.join(workdir, "partial.csv"), 900, 13);
    const first = await run(file, { GOLDPIPE_CHAOS: "fail=1,shards=0,2" });
    expect(first.code, first.stderr).toBe(3);
    const partial = reportOf(first.stdout);
    expect(partial).toMatchObject({ status: "PartiallyFailed", shards: 3, shards_failed: 2, failed_shards: [0, 2] });
    expect(partial.shard_errors["0"]).toMatch(/GOLDPIPE_CHAOS failed attempt 4 of shard/);
    expectCountsAddUp(partial);
    expect(partial.rows_scored).toBe(partial.rows_sharded - partial.rows_in_failed_shards);

    const status = await goldpipe(["status", partial.run_id, "--lake", lake, "--json"]);
    expect(JSON.parse(status.stdout).shards.map((s: { state: string }) => s.state)).toEqual(["failed", "succeeded", "failed"]);

    const replay = await goldpipe(["replay", partial.run_id, "--lake", lake, "--model", model, "--json"], { GOLDPIPE_CHAOS: undefined });
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stderr).toContain("replaying shard(s) 0, 2");
    const whole = reportOf(replay.stdout);
    expect(whole).toMatchObject({ run_id: partial.run_id, status: "Succeeded", shards_failed: 0 });
    expectCountsAddUp(whole);
    expect(whole.rows_scored).toBe(whole.rows_sharded);
    expect(await scoredRows(lake, whole.run_id)).toEqual({ rows: whole.rows_sharded, distinct: whole.rows_sharded });
    expect(await curatedRows(lake)).toEqual({ rows: whole.rows_sharded, distinct: whole.rows_sharded });
  });
});
