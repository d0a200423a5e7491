import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { JsonlMetrics, localMetricsPath } from "../../../../local/adapters/jsonl-metrics.ts";

let lake: string;
beforeEach(async () => {
  lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-metrics-test-"));
});
afterEach(() => rm(lake, { recursive: true, force: true }));

it("appends each datum as a JSON line with its time, creating the file", async () => {
  const metrics = new JsonlMetrics(localMetricsPath(lake), () => new Date("2024-03-01T16:00:00Z"));
  await metrics.put([{ name: "RowsScored", value: 10, unit: "Count", dimensions: { RunId: "run-a" } }]);
  await metrics.put([]);
  await metrics.put([{ name: "RunSeconds", value: 1.5, unit: "Seconds" }]);
  const lines = (await readFile(localMetricsPath(lake), "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(lines).toEqual([
    { timestamp: "2024-03-01T16:00:00.000Z", name: "RowsScored", value: 10, unit: "Count", dimensions: { RunId: "run-a" } },
    { timestamp: "2024-03-01T16:00:00.000Z", name: "RunSeconds", value: 1.5, unit: "Seconds" },
  ]);
});
