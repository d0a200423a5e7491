import middy from "@middy/core";
import sqsPartialBatchFailure from "@middy/sqs-partial-batch-failure";
import { awsAdapters } from "./aws/adapters.ts";
import type { ObjectStore, Queue } from "./core/ports.ts";
import { INCOMING_PREFIX } from "./core/lake-keys.ts";
import { createdKeys, SqsEventSchema } from "./core/ingest/events.ts";
import { fanoutFile, type FileIngestResult } from "./core/ingest/fanout.ts";

/**
 * Each uploads-queue message (an S3 ObjectCreated event under incoming/) → the fanout of its files.
 * Messages are settled one by one, so a file that fails is redelivered alone (ReportBatchItemFailures).
 */
export async function fanoutUploads(ports: { store: ObjectStore; queue: Queue }, event: unknown) {
  const { Records } = SqsEventSchema.parse(event);
  const settled: PromiseSettledResult<(FileIngestResult | undefined)[]>[] = [];
  for (const record of Records) {
    try {
      const results: (FileIngestResult | undefined)[] = [];
      for (const key of createdKeys(record.body)) {
        if (!key.startsWith(INCOMING_PREFIX)) continue;
        const result = await fanoutFile(ports, key);
        console.log(JSON.stringify({ message: "fanout", key, result: result ?? "no such object (already moved or deleted)" }));
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
  console.error(
    JSON.stringify({ message: "upload message failed", messageId: record.messageId, error: (reason as Error)?.message ?? String(reason) }),
  );

export const handler = middy()
  .use(sqsPartialBatchFailure({ logger: logFailure }))
  .handler((event: unknown) => fanoutUploads(awsAdapters(), event));
