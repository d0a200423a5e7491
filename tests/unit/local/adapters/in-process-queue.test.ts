import { describe, expect, it } from "vitest";
import type { DeliveredMessage } from "../../../../functions/core/ingest/segment.ts";
import { InProcessQueue } from "../../../../local/adapters/in-process-queue.ts";

describe("InProcessQueue", () => {
  it("delivers each SendMessageBatch as one batch with fresh message ids", async () => {
    const batches: DeliveredMessage[][] = [];
    const queue = new InProcessQueue(async (messages) => {
      batches.push(messages);
      return { failures: [] };
    });
    expect(
      await queue.sendBatch([
        { id: "m0", body: "a" },
        { id: "m1", body: "b" },
      ]),
    ).toEqual({ failed: [] });
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((m) => m.body)).toEqual(["a", "b"]);
    expect(new Set(batches[0]!.map((m) => m.messageId)).size).toBe(2);
  });

  it("redelivers only the failed messages, then keeps them as dead letters", async () => {
    const seen: string[][] = [];
    const queue = new InProcessQueue(
      async (messages) => {
        seen.push(messages.map((m) => m.body));
        return {
          failures: messages.filter((m) => m.body === "poison").map((m) => ({ messageId: m.messageId, reason: "not a headline message" })),
        };
      },
      { maxReceiveCount: 3 },
    );
    await queue.sendBatch([
      { id: "a", body: "good" },
      { id: "b", body: "poison" },
    ]);
    expect(seen).toEqual([["good", "poison"], ["poison"], ["poison"]]);
    expect(queue.deadLetters).toMatchObject([{ body: "poison", reason: "not a headline message" }]);
  });
});
