import { DeleteMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { logger } from "../../../functions/aws/lambda-handler.ts";
import { S3ObjectStore } from "../../../functions/aws/s3-object-store.ts";
import { SqsQueue } from "../../../functions/aws/sqs-queue.ts";
import { HeadlineSchema } from "../../../functions/core/headline.ts";
import { fanoutUploads } from "../../../functions/fanout.ts";
import { segmentMessages } from "../../../functions/segment.ts";
import { formatHeadlines } from "../../../local/generator/formats.ts";
import { generateHeadlines } from "../../../local/generator/headlines.ts";
import { startAwsEmulator } from "../../support/fauxqs.ts";

let emulator: Awaited<ReturnType<typeof startAwsEmulator>>;
let store: S3ObjectStore;
let queue: SqsQueue;
let queueUrl: string;
beforeAll(async () => {
  emulator = await startAwsEmulator();
  emulator.server.createBucket("lake");
  queueUrl = emulator.server.createQueue("headlines").queueUrl;
  store = new S3ObjectStore(emulator.s3, "lake");
  queue = new SqsQueue(emulator.sqs, queueUrl);
  vi.spyOn(logger, "info").mockImplementation(() => {});
});
afterAll(async () => {
  vi.restoreAllMocks();
  await emulator.stop();
});

/** fauxqs does not deliver S3 notifications, so the test forwards the event the way S3 → SQS would. */
const uploadEvent = (key: string, messageId: string) => ({
  Records: [
    {
      messageId,
      body: JSON.stringify({
        Records: [
          {
            eventName: "ObjectCreated:Put",
            s3: { bucket: { name: "lake" }, object: { key: encodeURIComponent(key).replaceAll("%20", "+") } },
          },
        ],
      }),
    },
  ],
});

/** Drains the headlines queue through the segment function in batches of up to 10, as the Lambda event source does. */
async function drainThroughSegment(): Promise<number> {
  let batches = 0;
  for (;;) {
    const received = await emulator.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return batches;
    const response = await segmentMessages(store, { Records: messages.map((m) => ({ messageId: m.MessageId!, body: m.Body! })) });
    expect(response.batchItemFailures).toEqual([]);
    for (const message of messages)
      await emulator.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    batches++;
  }
}

async function pendingRows() {
  const ids: string[] = [];
  for await (const object of store.list("pending/")) {
    const body = (await store.get(object.key))!.toString();
    for (const line of body.trimEnd().split("\n")) ids.push(HeadlineSchema.parse(JSON.parse(line)).id);
  }
  return ids;
}

describe("fanout → SQS → shard on fauxqs", () => {
  it("moves every valid row of a dropped file into pending segments, and a redelivered event adds none", async () => {
    const csv = [...formatHeadlines(generateHeadlines({ count: 6000, seed: 11, badRows: 6 }), "csv")].join("");
    const key = "incoming/vendor dump 2024.csv";
    await store.put(key, csv);

    const [settled] = await fanoutUploads({ store, queue }, uploadEvent(key, "upload-1"));
    expect(settled!.status).toBe("fulfilled");
    const result = (
      settled as PromiseFulfilledResult<{ rows_read: number; rows_valid: number; rows_quarantined: number; messages: number }[]>
    ).value[0]!;
    expect(result).toMatchObject({ rows_read: 6000, rows_valid: 5994, rows_quarantined: 6 });
    expect(result.messages).toBeGreaterThan(1);
    expect(await drainThroughSegment()).toBeGreaterThan(0);

    const ids = await pendingRows();
    expect(ids).toHaveLength(5994);
    expect(new Set(ids).size).toBe(5994);
    expect((await store.get("quarantine/vendor dump 2024.csv/rows.jsonl"))!.toString().trimEnd().split("\n")).toHaveLength(6);

    const [again] = await fanoutUploads({ store, queue }, uploadEvent(key, "upload-2"));
    expect(again).toMatchObject({ status: "fulfilled", value: [{ rows_read: 0, duplicate_of: key, messages: 0 }] });
    expect(await drainThroughSegment()).toBe(0);
    expect(await pendingRows()).toHaveLength(5994);
  });

  it("moves a bad file to quarantine whole", async () => {
    await store.put("incoming/photo.csv", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]));
    const [settled] = await fanoutUploads({ store, queue }, uploadEvent("incoming/photo.csv", "upload-3"));
    expect(settled).toMatchObject({ status: "fulfilled", value: [{ bad_file: { reason: expect.stringMatching(/PNG/) } }] });
    expect(await store.head("incoming/photo.csv")).toBeUndefined();
    expect(await store.head("quarantine/photo.csv/photo.csv")).toBeDefined();
    expect(JSON.parse((await store.get("quarantine/photo.csv/reason.json"))!.toString())).toMatchObject({ file: "incoming/photo.csv" });
  });
});
