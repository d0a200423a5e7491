import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqsQueue } from "../../../functions/aws/sqs-queue.ts";
import { startAwsEmulator } from "../../support/fauxqs.ts";

let emulator: Awaited<ReturnType<typeof startAwsEmulator>>;
beforeAll(async () => {
  emulator = await startAwsEmulator();
});
afterAll(() => emulator.stop());

describe("SqsQueue against fauxqs", () => {
  it("sends a batch that arrives whole", async () => {
    const { queueUrl } = emulator.server.createQueue("headlines");
    const queue = new SqsQueue(emulator.sqs, queueUrl);
    const result = await queue.sendBatch([
      { id: "m0", body: "first" },
      { id: "m1", body: "second" },
    ]);
    expect(result).toEqual({ failed: [] });
    const received = await emulator.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
    expect((received.Messages ?? []).map((m) => m.Body).sort()).toEqual(["first", "second"]);
  });

  it("reports the entries SQS refuses, by id, with the reason", async () => {
    const { queueUrl } = emulator.server.createQueue("small", { attributes: { MaximumMessageSize: "1024" } });
    const queue = new SqsQueue(emulator.sqs, queueUrl);
    const result = await queue.sendBatch([
      { id: "ok", body: "fits" },
      { id: "big", body: "x".repeat(2048) },
      { id: "bad", body: "nul \u0000 char" },
    ]);
    expect(result.failed.map((f) => f.id).sort()).toEqual(["bad", "big"]);
    expect(result.failed.find((f) => f.id === "big")!.reason).toMatch(/sender fault.*shorter than 1024/);
  });
});
