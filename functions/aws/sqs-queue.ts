import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { Queue, QueueMessage } from "../core/ports.ts";

/** The headlines queue in SQS: one SendMessageBatch per call; the entries SQS refuses come back as failed. */
export class SqsQueue implements Queue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async sendBatch(messages: QueueMessage[]): Promise<{ failed: { id: string; reason: string }[] }> {
    const response = await this.#client.send(
      new SendMessageBatchCommand({
        QueueUrl: this.#queueUrl,
        Entries: messages.map(({ id, body }) => ({ Id: id, MessageBody: body })),
      }),
    );
    return {
      failed: (response.Failed ?? []).map((entry) => ({
        id: entry.Id!,
        reason: `${entry.Code ?? "error"}${entry.SenderFault ? " (sender fault)" : ""}: ${entry.Message ?? "no message"}`,
      })),
    };
  }
}
