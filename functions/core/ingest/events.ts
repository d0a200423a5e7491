import { z } from "zod";

/** The fanout and segment functions' event: an SQS event as Lambda delivers it, with only the fields they read. */
export const SqsEventSchema = z.object({
  Records: z.array(z.object({ messageId: z.string().min(1), body: z.string() })),
});
export type SqsEvent = z.output<typeof SqsEventSchema>;

const S3EventRecordSchema = z.object({
  eventName: z.string(),
  s3: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string().min(1) }) }),
});

/**
 * The body of an uploads-queue message: an S3 event notification, or the test event S3 sends
 * once when the notification is configured (it names no object).
 */
export const S3NotificationSchema = z.union([
  z.object({ Records: z.array(S3EventRecordSchema) }),
  z.object({ Event: z.literal("s3:TestEvent") }),
]);

/** S3 event keys are URL-encoded with + for a space. */
export const decodeS3Key = (key: string) => decodeURIComponent(key.replace(/\+/g, " "));

/** The object keys created, as lake keys, in one uploads-queue message body. */
export function createdKeys(body: string): string[] {
  const notification = S3NotificationSchema.parse(JSON.parse(body));
  if (!("Records" in notification)) return [];
  return notification.Records.filter((record) => record.eventName.startsWith("ObjectCreated:")).map((record) =>
    decodeS3Key(record.s3.object.key),
  );
}
