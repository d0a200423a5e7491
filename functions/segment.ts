import type { SQSBatchResponse } from "aws-lambda";
import { awsAdapters } from "./aws/adapters.ts";
import { lambdaHandler, logger } from "./aws/lambda-handler.ts";
import type { ObjectStore } from "./core/ports.ts";
import { SqsEventSchema, type SqsEvent } from "./core/ingest/events.ts";
import { writePendingSegment } from "./core/ingest/segment.ts";

/** A batch of headline messages → one pending segment; messages that are not headline messages are reported failed. */
export async function segmentMessages(store: ObjectStore, event: SqsEvent): Promise<SQSBatchResponse> {
  const result = await writePendingSegment(store, event.Records);
  for (const failure of result.failures) {
    logger.error(`headline message ${failure.messageId} is unusable: ${failure.reason}`, {
      event: "unusable_headline_message",
      ...failure,
    });
  }
  return { batchItemFailures: result.failures.map(({ messageId }) => ({ itemIdentifier: messageId })) };
}

export const handler = lambdaHandler(SqsEventSchema, (event) => segmentMessages(awsAdapters().store, event));
