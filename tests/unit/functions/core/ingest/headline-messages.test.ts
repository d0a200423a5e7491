import { describe, expect, it } from "vitest";
import type { Headline } from "../../../../../functions/core/headline.ts";
import { HeadlineMessageSchema, HeadlineSender, SQS_LIMITS } from "../../../../../functions/core/ingest/headline-messages.ts";
import type { Queue, QueueMessage } from "../../../../../functions/core/ports.ts";

const SHA = "a".repeat(64);
const headline = (n: number, text = `Gold headline number ${n}`): Headline => ({
  id: `id-${n}`,
  headline: text,
  published_at: "2024-03-01T14:30:00.000Z",
  symbols: ["XAUUSD"],
  tagged_symbols: [],
  source: "Reuters",
  url: null,
  origin: { file: "incoming/a.csv", line: n + 1 },
});

class RecordingQueue implements Queue {
  readonly calls: QueueMessage[][] = [];
  failNext: string[] = [];
  async sendBatch(messages: QueueMessage[]) {
    this.calls.push(messages);
    const failed = messages.filter((m) => this.failNext.includes(m.id)).map((m) => ({ id: m.id, reason: "ServiceUnavailable" }));
    this.failNext = [];
    return { failed };
  }
}

async function sendAll(queue: Queue, count: number, options: Partial<ConstructorParameters<typeof HeadlineSender>[1]> = {}) {
  const sender = new HeadlineSender(queue, { file: "incoming/a.csv", sha256: SHA, sleep: async () => {}, ...options });
  for (let n = 0; n < count; n++) await sender.add(headline(n));
  await sender.flush();
  return sender;
}

describe("HeadlineSender", () => {
  it("packs headlines into messages under the size limit and batches of at most 10 entries and 1 MiB", async () => {
    const queue = new RecordingQueue();
    const sender = await sendAll(queue, 20_000);
    const messages = queue.calls.flat();
    expect(sender.messagesSent).toBe(messages.length);
    for (const call of queue.calls) {
      expect(call.length).toBeLessThanOrEqual(SQS_LIMITS.batchEntries);
      expect(call.reduce((sum, m) => sum + Buffer.byteLength(m.body), 0)).toBeLessThanOrEqual(SQS_LIMITS.batchBytes);
      expect(new Set(call.map((m) => m.id)).size).toBe(call.length);
    }
    const parsed = messages.map((m) => {
      expect(Buffer.byteLength(m.body)).toBeLessThan(256 * 1024);
      return HeadlineMessageSchema.parse(JSON.parse(m.body));
    });
    expect(parsed.map((m) => m.seq)).toEqual(parsed.map((_, i) => i));
    expect(parsed.flatMap((m) => m.headlines.map((h) => h.id))).toEqual(Array.from({ length: 20_000 }, (_, n) => `id-${n}`));
    expect(Buffer.byteLength(messages[0]!.body)).toBeGreaterThan(200 * 1024);
  });

  it("fits small limits exactly", async () => {
    const queue = new RecordingQueue();
    const limits = { messageBytes: 2000, batchBytes: 5000, batchEntries: 3 };
    await sendAll(queue, 100, { limits });
    for (const call of queue.calls) {
      expect(call.length).toBeLessThanOrEqual(3);
      expect(call.reduce((sum, m) => sum + Buffer.byteLength(m.body), 0)).toBeLessThanOrEqual(5000);
      for (const m of call) expect(Buffer.byteLength(m.body)).toBeLessThanOrEqual(2000);
    }
    expect(queue.calls.flat().flatMap((m) => JSON.parse(m.body).headlines)).toHaveLength(100);
  });

  it("retries only the entries a batch call reports failed", async () => {
    const queue = new RecordingQueue();
    queue.failNext = ["m1"];
    const limits = { messageBytes: 2000, batchBytes: 100_000, batchEntries: 10 };
    await sendAll(queue, 30, { limits });
    expect(queue.calls[1]!.map((m) => m.id)).toEqual(["m1"]);
    const delivered = new Set(queue.calls.flat().map((m) => m.body));
    expect([...delivered].flatMap((body) => JSON.parse(body).headlines)).toHaveLength(30);
  });

  it("fails after the queue refuses an entry every time", async () => {
    const queue: Queue = { sendBatch: async (messages) => ({ failed: messages.map((m) => ({ id: m.id, reason: "KmsThrottled" })) }) };
    await expect(sendAll(queue, 3, { maxAttempts: 3 })).rejects.toThrow(/refused 1 message\(s\) 3 times: KmsThrottled/);
  });

  it("refuses a headline too large for any message", async () => {
    const sender = new HeadlineSender(new RecordingQueue(), {
      file: "f",
      sha256: SHA,
      limits: { messageBytes: 300, batchBytes: 1000, batchEntries: 10 },
    });
    expect(() => sender.add(headline(1, "x".repeat(400)))).toThrow(/more than one queue message holds/);
  });
});
