import sqsPartialBatchFailure from "@middy/sqs-partial-batch-failure";
import { awsAdapters } from "./aws/adapters.ts";
import { lambdaHandler, logger } from "./aws/lambda-handler.ts";
import type { ObjectStore, Queue } from "./core/ports.ts";
import { INCOMING_PREFIX } from "./core/lake-keys.ts";
import { createdKeys, SqsEventSchema, type SqsEvent } from "./core/ingest/events.ts";
import { fanoutFile, type FileIngestResult } from "./core/ingest/fanout.ts";

/**
 * Each uploads-queue message (an S3 ObjectCreated event under incoming/) → the fanout of its files.
 * Messages are settled one by one, so a file that fails is redelivered alone (ReportBatchItemFailures).
 */
export async function fanoutUploads(ports: { store: ObjectStore; queue: Queue }, event: SqsEvent) {
  const settled: PromiseSettledResult<(FileIngestResult | undefined)[]>[] = [];
  for (const record of event.Records) {
    try {
      const results: (FileIngestResult | undefined)[] = [];
      for (const key of createdKeys(record.body)) {
        if (!key.startsWith(INCOMING_PREFIX)) continue;
        const result = await fanoutFile(ports, key);
        if (result) logger.info(`fanned out ${key}`, { event: "file_fanned_out", key, result });
        else logger.info(`${key} is gone (already moved or deleted): nothing to fan out`, { event: "file_gone", key });
        results.push(result);
      }
      settled.push({ status: "fulfilled", value: results });
    } catch (error) {
      settled.push({ status: "rejected", reason: error });
    }
  }
  return settled;
}

const logFailure = (reason: unknown, record: { messageId: string }) =>
  logger.error(`upload message ${record.messageId} failed; SQS delivers it again`, {
    event: "upload_message_failed",
    message_id: record.messageId,
    error: reason,
  });

export const handler = lambdaHandler(SqsEventSchema, (event) => fanoutUploads(awsAdapters(), event), {
  use: [sqsPartialBatchFailure({ logger: logFailure })],
});
