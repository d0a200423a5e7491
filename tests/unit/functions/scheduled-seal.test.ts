import { mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pendingSegmentKey } from "../../../functions/core/lake-keys.ts";
import { readManifest } from "../../../functions/core/manifest.ts";
import { handler, scheduledSealTick } from "../../../functions/scheduled-seal.ts";
import { DirectoryObjectStore } from "../../../local/adapters/directory-object-store.ts";
import { LocalWorkflow } from "../../../local/adapters/local-workflow.ts";

const ENV = {
  BUCKET: "goldpipe-test-lake",
  MAX_CONCURRENCY: "2",
  JOB_IMAGE_URI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/goldpipe-scorer:latest",
  JOB_ROLE_ARN: "arn:aws:iam::123456789012:role/goldpipe-job",
  JOB_INSTANCE_TYPE: "ml.g5.xlarge",
  JOB_VOLUME_GB: "30",
  JOB_MAX_RUNTIME_SECONDS: "7200",
  JOB_MODEL_S3_URI: "s3://goldpipe-test-lake/models/current/",
  JOB_CHUNK_ROWS: "4096",
  ATHENA_DATABASE: "goldpipe",
  ATHENA_WORKGROUP: "goldpipe",
  ATHENA_OUTPUT_LOCATION: "s3://goldpipe-test-lake/athena/",
  SHARD_SIZE: "5",
};

const headline = (i: number) =>
  JSON.stringify({
    id: `h${i}`,
    headline: `Gold climbs as the dollar slips, take ${i}`,
    published_at: "2026-01-13T14:00:00.000Z",
    symbols: ["XAUUSD"],
    source: "wire",
    url: null,
    origin: { file: "incoming/news.csv", line: i + 2 },
  });

let lake: string;
let store: DirectoryObjectStore;
let started: { name: string; input: unknown }[];
let workflow: LocalWorkflow;
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "goldpipe-scheduled-seal-"));
  store = new DirectoryObjectStore(lake);
  started = [];
  workflow = new LocalWorkflow(async (name, input) => {
    started.push({ name, input });
    return {};
  });
  await store.put(pendingSegmentKey("seg-1"), `${[0, 1, 2].map(headline).join("\n")}\n`);
  const landed = new Date("2026-01-13T15:00:00Z");
  await utimes(path.join(lake, pendingSegmentKey("seg-1")), landed, landed);
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

describe("the scheduled-seal function", () => {
  it("seals pending headlines through the seal core when the policy says so, and the run records the trigger", async () => {
    const log: string[] = [];
    // 10:12 New York: the oldest headline is 12 minutes old, due before the next tick.
    const answer = await scheduledSealTick({ store, workflow }, { now: new Date("2026-01-13T15:12:00Z"), env: ENV, log: (l) => log.push(l) });
    expect(answer).toMatchObject({ seal: true, run_id: expect.stringMatching(/^run-/) });
    expect(answer.reason).toMatch(/freshness target/);
    const manifest = await readManifest(store, answer.run_id!);
    expect(manifest).toMatchObject({ trigger: "schedule", rows: 3, shard_size: 5 });
    expect(manifest!.shards).toHaveLength(1);
    expect(started).toHaveLength(1);
    expect(started[0]!.input).toMatchObject({ bucket: "goldpipe-test-lake", run_id: answer.run_id });
    expect(await store.head(pendingSegmentKey("seg-1"))).toBeUndefined();
    expect(log.map((line) => JSON.parse(line).event)).toEqual(["seal_decision", "seal_result"]);
  });

  it("leaves pending headlines alone on a weekend, per SCHEDULE_CONFIG", async () => {
    const answer = await scheduledSealTick(
      { store, workflow },
      { now: new Date("2026-01-17T15:00:00Z"), env: { ...ENV, SCHEDULE_CONFIG: "markets: [nyse]\noffHoursRunRows: 100\n" }, log: () => {} },
    );
    expect(answer).toEqual({ seal: false, reason: expect.stringMatching(/^markets closed: 3 pending rows wait for the next open at 2026-01-20T14:30:00.000Z/), run_id: null });
    expect(started).toEqual([]);
    expect(await store.head(pendingSegmentKey("seg-1"))).toBeDefined();
  });

  it("answers a bad SCHEDULE_CONFIG with what is wrong in it", async () => {
    await expect(
      scheduledSealTick({ store, workflow }, { now: new Date(), env: { ...ENV, SCHEDULE_CONFIG: "markets: [lse]" }, log: () => {} }),
    ).rejects.toThrow(/unknown market "lse"/);
  });

  it("takes only EventBridge's scheduled events", async () => {
    await expect(handler({ "detail-type": "Object Created" }, {} as never)).rejects.toThrow(/Scheduled Event/);
  });
});
