import { createHash } from "node:crypto";
import type { ObjectStore } from "../ports.ts";
import { pendingSegmentKey } from "../lake-keys.ts";
import { HeadlineMessageSchema, messageKey, type HeadlineMessage } from "./headline-messages.ts";

/** One message as the queue delivers it. */
export interface DeliveredMessage {
  messageId: string;
  body: string;
}

export interface SegmentResult {
  /** The pending segment written, or null when no message of the batch was usable. */
  segmentKey: string | null;
  rows: number;
  /** Messages that are not headline messages: reported so only they are redelivered (then go to the DLQ). */
  failures: { messageId: string; reason: string }[];
}

/**
 * The segment step: a batch of headline messages → one pending segment, `pending/<segment_id>.jsonl`, one
 * Headline per line. The segment id comes from the messages' keys (file sha256 + sequence), so a
 * redelivered batch overwrites its own segment instead of adding rows. A message that does not
 * parse is reported as failed and does not hold back the others; a message delivered twice in one
 * batch is written once.
 */
export async function writePendingSegment(store: ObjectStore, messages: DeliveredMessage[]): Promise<SegmentResult> {
  const accepted = new Map<string, HeadlineMessage>();
  const failures: SegmentResult["failures"] = [];
  for (const message of messages) {
    const parsed = parseMessage(message.body);
    if (typeof parsed === "string") failures.push({ messageId: message.messageId, reason: parsed });
    else accepted.set(messageKey(parsed), parsed);
  }
  if (accepted.size === 0) return { segmentKey: null, rows: 0, failures };
  const keys = [...accepted.keys()].sort();
  const segmentKey = pendingSegmentKey(segmentId(keys));
  const lines: string[] = [];
  for (const key of keys) for (const headline of accepted.get(key)!.headlines) lines.push(JSON.stringify(headline));
  await store.put(segmentKey, `${lines.join("\n")}\n`, { contentType: "application/x-ndjson" });
  return { segmentKey, rows: lines.length, failures };
}

/** A pending segment's id: a hash of its messages' keys, so the same batch gives the same segment. */
export const segmentId = (sortedKeys: string[]) => createHash("sha256").update(sortedKeys.join("\n")).digest("hex").slice(0, 32);

function parseMessage(body: string): HeadlineMessage | string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return `the message body is not JSON: ${(error as Error).message}`;
  }
  const parsed = HeadlineMessageSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  return `not a headline message: ${issue.path.join(".") || "body"}: ${issue.message}`;
}
