import { randomUUID } from "node:crypto";
import type { Queue, QueueMessage } from "../../functions/core/ports.ts";
import type { DeliveredMessage } from "../../functions/core/ingest/segment.ts";

/** The consumer of a batch: resolves to the messages it could not take, which are delivered again. */
export type BatchConsumer = (messages: DeliveredMessage[]) => Promise<{ failures: { messageId: string; reason: string }[] }>;

/**
 * The headlines queue inside the process: each SendMessageBatch is delivered at once, as one batch,
 * to the consumer (the segment core), the way the Lambda event source hands it a batch. Messages the
 * consumer reports failed are redelivered up to maxReceiveCount times, then kept as dead letters.
 */
export class InProcessQueue implements Queue {
  readonly deadLetters: (DeliveredMessage & { reason: string })[] = [];
  readonly #consume: BatchConsumer;
  readonly #maxReceiveCount: number;

  constructor(consume: BatchConsumer, options: { maxReceiveCount?: number } = {}) {
    this.#consume = consume;
    this.#maxReceiveCount = options.maxReceiveCount ?? 3;
  }

  async sendBatch(messages: QueueMessage[]): Promise<{ failed: { id: string; reason: string }[] }> {
    let batch: DeliveredMessage[] = messages.map(({ body }) => ({ messageId: randomUUID(), body }));
    for (let receive = 1; batch.length > 0; receive++) {
      const { failures } = await this.#consume(batch);
      const failed = new Map(failures.map(({ messageId, reason }) => [messageId, reason]));
      const retry = batch.filter(({ messageId }) => failed.has(messageId));
      if (receive >= this.#maxReceiveCount) {
        for (const message of retry) this.deadLetters.push({ ...message, reason: failed.get(message.messageId)! });
        break;
      }
      batch = retry;
    }
    return { failed: [] };
  }
}
