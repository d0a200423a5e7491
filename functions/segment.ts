import middy from "@middy/core";
import type { SQSBatchResponse } from "aws-lambda";
import { awsAdapters } from "./aws/adapters.ts";
import type { ObjectStore } from "./core/ports.ts";
import { SqsEventSchema } from "./core/ingest/events.ts";
import { writePendingSegment } from "./core/ingest/segment.ts";

/** A batch of headline messages → one pending segment; messages that are not headline messages are reported failed. */
export async function segmentMessages(store: ObjectStore, event: unknown): Promise<SQSBatchResponse> {
  const { Records } = SqsEventSchema.parse(event);
  const result = await writePendingSegment(store, Records);
  for (const failure of result.failures) console.error(JSON.stringify({ message: "unusable headline message", ...failure }));
  return { batchItemFailures: result.failures.map(({ messageId }) => ({ itemIdentifier: messageId })) };
}

export const handler = middy().handler((event: unknown) => segmentMessages(awsAdapters().store, event));
