import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sqlString, withDuckDB } from "../../functions/core/duckdb.ts";
import { RunReportSchema, type RunReport } from "../../functions/core/report.ts";
import { queryLake } from "../../local/lake-catalog.ts";
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

/** Every row the GPU jobs wrote to the lake for the run, and how many distinct headlines they are. */
async function scoredRows(runId: string): Promise<{ rows: number; distinct: number }> {
  const glob = path.join(lake, "runs", runId, "scores", "*", "part-*.parquet");
  return withDuckDB(async (db) => {
    const [row] = (
      await db.runAndReadAll(`SELECT count(*)::INTEGER AS rows, count(DISTINCT id)::INTEGER AS distinct FROM read_parquet(${sqlString(glob)})`)
    ).getRowObjectsJson() as { rows: number; distinct: number }[];
    return row!;
  });
}

async function curatedRows(): Promise<{ rows: number; distinct: number }> {
  const result = await queryLake(lake, "SELECT count(*)::INTEGER AS rows, count(DISTINCT id)::INTEGER AS distinct FROM headline_sentiment");
  return result.rows[0] as { rows: number; distinct: number };
}

function expectCountsAddUp(report: RunReport) {
  expect(report.rows_read).toBe(report.rows_valid + report.rows_quarantined);
  expect(report.rows_valid).toBe(report.rows_sharded + report.duplicates_sealed);
  expect(report.rows_curated).toBe(report.rows_scored - report.duplicates);
}

describe("goldpipe run on the local runtime (the ASL, the processing-job runner, the real GPU job)", () => {
  it("scores every valid headline once and the report's counts add up", async () => {
    const file = await writeHeadlinesCsv(path.join(workdir, "drop.csv"), 1200, 11, 12);
    const { code, stdout, stderr } = await run(file);
    expect(code, stderr).toBe(0);
    const report = reportOf(stdout);
    expect(report).toMatchObject({ status: "Succeeded", trigger: "manual", rows_read: 1200, shards_failed: 0, failed_shards: [] });
    expect(report.rows_quarantined).toBeGreaterThan(0);
    expectCountsAddUp(report);
    expect(report.rows_scored).toBe(report.rows_sharded);
    expect(report.shards).toBe(Math.ceil(report.rows_sharded / 300));
    expect(await scoredRows(report.run_id)).toEqual({ rows: report.rows_sharded, distinct: report.rows_sharded });
    expect(await curatedRows()).toEqual({ rows: report.rows_curated, distinct: report.rows_curated });
  });
});
