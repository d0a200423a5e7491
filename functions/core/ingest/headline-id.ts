import { createHash } from "node:crypto";

/**
 * The headline's id: the source's own id where the input has one, else a hash of the normalized
 * headline and its UTC time, so the same story from two files or two deliveries gets the same id.
 */
export function headlineId(sourceId: string | undefined, headline: string, publishedAt: string): string {
  if (sourceId) return sourceId;
  const digest = createHash("sha256").update(`${headline.toLowerCase()}\n${publishedAt}`).digest("hex");
  return `h-${digest.slice(0, 32)}`;
}
