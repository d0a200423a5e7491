import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { logger } from "../../../functions/aws/lambda-handler.ts";
import { writePendingSegment } from "../../../functions/core/ingest/segment.ts";
import { fanoutUploads, handler } from "../../../functions/fanout.ts";
import { DirectoryObjectStore } from "../../../local/adapters/directory-object-store.ts";
import { InProcessQueue } from "../../../local/adapters/in-process-queue.ts";

const s3Event = (...keys: string[]) =>
  JSON.stringify({
    Records: keys.map((key) => ({ eventName: "ObjectCreated:Put", s3: { bucket: { name: "lake" }, object: { key, size: 1 } } })),
  });
const sqsEvent = (...bodies: string[]) => ({ Records: bodies.map((body, i) => ({ messageId: `msg-${i}`, body, receiptHandle: "r" })) });

let lake: string;
let store: DirectoryObjectStore;
let ports: { store: DirectoryObjectStore; queue: InProcessQueue };
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "fanout-handler-test-"));
  store = new DirectoryObjectStore(lake);
  ports = { store, queue: new InProcessQueue((messages) => writePendingSegment(store, messages)) };
  vi.spyOn(logger, "info").mockImplementation(() => {});
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(lake, { recursive: true, force: true });
});

describe("fanoutUploads", () => {
  it("decodes S3 keys (+ is a space) and fans out each created file", async () => {
    await store.put("incoming/gold dump (1).csv", "headline,date\nGold up,2024-03-01\n");
    const [settled] = await fanoutUploads(ports, sqsEvent(s3Event("incoming/gold+dump+%281%29.csv")));
    expect(settled).toMatchObject({ status: "fulfilled", value: [{ file: "incoming/gold dump (1).csv", rows_valid: 1 }] });
    expect(await readdir(path.join(lake, "pending"))).toHaveLength(1);
    expect(logger.info).toHaveBeenCalledWith(
      "fanned out incoming/gold dump (1).csv",
      expect.objectContaining({ event: "file_fanned_out" }),
    );
  });

  it("settles each message alone: a bad body fails only its own message", async () => {
    await store.put("incoming/a.csv", "headline,date\nGold up,2024-03-01\n");
    const settled = await fanoutUploads(ports, sqsEvent("not json", s3Event("incoming/a.csv"), JSON.stringify({ Records: [{ nope: 1 }] })));
    expect(settled.map((s) => s.status)).toEqual(["rejected", "fulfilled", "rejected"]);
  });

  it("ignores S3's test event, keys outside incoming/ and objects already gone", async () => {
    const settled = await fanoutUploads(
      ports,
      sqsEvent(
        JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "lake" }),
        s3Event("pending/x.jsonl"),
        s3Event("incoming/gone.csv"),
      ),
    );
    expect(settled).toEqual([
      { status: "fulfilled", value: [] },
      { status: "fulfilled", value: [] },
      { status: "fulfilled", value: [undefined] },
    ]);
  });
});

describe("handler", () => {
  beforeEach(() => {
    vi.spyOn(logger, "error").mockImplementation(() => {});
  });

  it("answers the messages that failed as batchItemFailures, and logs why", async () => {
    const event = sqsEvent(JSON.stringify({ Event: "s3:TestEvent" }), "garbage");
    const response = await handler(event, {} as Context);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "msg-1" }] });
    expect(logger.error).toHaveBeenCalledWith(
      "upload message msg-1 failed; SQS delivers it again",
      expect.objectContaining({ event: "upload_message_failed", message_id: "msg-1" }),
    );
  });

  it("fails every message of an event that is not an SQS event of upload messages", async () => {
    const response = await handler({ Records: [{ messageId: "m1", body: 42 }] }, {} as Context);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "m1" }] });
  });
});
