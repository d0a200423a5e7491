import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeRun } from "../../../../../functions/core/lake/merge.ts";
import { reportRun } from "../../../../../functions/core/lake/report.ts";
import { goldpipe } from "../../../../support/cli.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";
import { putFinishedRun, recordingMetrics } from "../../../../support/report-fixtures.ts";
import { sealedManifest } from "../../../../support/run-fixtures.ts";
import { writeManifest } from "../../../../../functions/core/orchestration/manifest.ts";
import { putScoredShard, scoredHeadline } from "../../../../support/scored-fixtures.ts";
import { repositoryTableDefinition } from "../../../../../local/query/table-definition.ts";

const table = repositoryTableDefinition();

let lake: string;
beforeAll(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-report-cmd-test-"));
  const store = new DirectoryObjectStore(lake);
  await putFinishedRun(store);
  // Shard 0's chunks, and its metrics.json: 3 rows in 2 s, no model load time recorded.
  await putScoredShard(store, "run-r", 0, [
    [
      scoredHeadline({ id: "a", run_id: "run-r", published_at: "2024-03-01T09:15:00Z", label: "positive" }),
      scoredHeadline({ id: "b", run_id: "run-r", published_at: "2024-03-01T09:45:00Z", label: "negative" }),
      scoredHeadline({ id: "c", run_id: "run-r", published_at: "2024-03-01T11:05:00Z", label: "negative" }),
    ],
  ]);
  const merge = await mergeRun("run-r", { store, table });
  await reportRun(
    { run_id: "run-r", merge, instance_type: "ml.g5.xlarge" },
    { store, metrics: recordingMetrics(), now: () => new Date("2024-03-01T16:10:00.000Z") },
  );
  await writeManifest(store, sealedManifest("run-unfinished", 1));
});
afterAll(async () => {
  await rm(lake, { recursive: true, force: true });
});

describe("goldpipe report", () => {
  it("prints the counts, timings, throughput, cost and failed shards", async () => {
    const { code, stdout } = await goldpipe("report", "run-r", "--lake", lake);
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toBe("run run-r: PartiallyFailed (manual, sealed 2024-03-01 16:00:00 UTC)");
    expect(lines[3]).toBe("            scored 3, unscorable 1, in failed shards 2");
    expect(lines[4]).toBe("            curated 3 = scored − 0 duplicates, over 1 UTC day (2024-03-01)");
    expect(lines[5]).toMatch(/^time {8}10 min 0 s end to end; GPU jobs 4 s scoring \(longest shard 2 s\), 1 s loading the model; merge \d/);
    expect(lines[6]).toBe("throughput  0.005 headlines/s end to end, 1.3 headlines/s in the GPU jobs");
    expect(lines[7]).toBe(
      "cost        about $0.0020, $666.67 per million headlines: ml.g5.xlarge at $1.408/h × 5 s of GPU job time " +
        "(a lower bound: container start is billed too)",
    );
    expect(lines.slice(8, 11)).toEqual([
      "shards      3, failed 1",
      "  shard 2: ResourceLimitExceeded: the account-level service limit for ml.g5.xlarge is 1 instance",
      "replay the failed shards with: goldpipe replay run-r",
    ]);
  });

  it("--json prints report.json", async () => {
    const { code, stdout } = await goldpipe("report", "run-r", "--lake", lake, "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(await readFile(path.join(lake, "runs/run-r/report.json"), "utf8")));
  });

  it("--html writes a self-contained page with the run's sentiment per hour", async () => {
    const file = path.join(lake, "report.html");
    const { code, stderr } = await goldpipe("report", "run-r", "--lake", lake, "--html", file);
    expect(code).toBe(0);
    expect(stderr).toBe(`wrote ${file}\n`);
    const html = await readFile(file, "utf8");
    expect(html).toContain("Sentiment over time (hourly, UTC publication time)");
    expect(html).toMatch(/<title>2024-03-01T09:00:00Z: index 0\.000 \(1 positive, 1 negative of 2\)<\/title>/);
    expect(html).toMatch(/<title>2024-03-01T11:00:00Z: index -1\.000 \(0 positive, 1 negative of 1\)<\/title>/);
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it.each([
    [
      ["report", "run-unfinished"],
      /run run-unfinished has no report yet: it has not finished \(goldpipe status run-unfinished shows where it is\)/,
    ],
    [["report", "run-nope"], /no run run-nope in .* \(goldpipe status lists the runs; --lake DIR picks another lake\)/],
    [["report"], /give one RUN_ID/],
  ])("%j: exit 2 with what to do", async (args, message) => {
    const { code, stderr } = await goldpipe(...args, "--lake", lake);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
