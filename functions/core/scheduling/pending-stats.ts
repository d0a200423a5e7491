import { PENDING_PREFIX } from "../lake-keys.ts";
import type { ObjectStore } from "../ports.ts";
import type { PendingStats } from "./seal-policy.ts";

const NEWLINE = 0x0a;

/**
 * Counts what waits in pending/: segments and their oldest landing time from the listing, rows by
 * counting the segments' lines. Counting stops once `countUpTo` rows are seen (rowsExact false), so
 * a large backlog costs one listing and a bounded read, not a read of every segment.
 */
export async function pendingStats(store: ObjectStore, countUpTo: number): Promise<PendingStats> {
  const segments = [];
  for await (const object of store.list(PENDING_PREFIX)) {
    if (object.key.endsWith(".jsonl")) segments.push(object);
  }
  let rows = 0;
  let counted = 0;
  for (const segment of segments) {
    if (rows >= countUpTo) break;
    rows += await countLines(store, segment.key);
    counted++;
  }
  const oldest = segments.reduce<Date | undefined>((min, s) => (!min || s.lastModified < min ? s.lastModified : min), undefined);
  return { rows, rowsExact: counted === segments.length, segments: segments.length, oldestAt: oldest };
}

/** Lines in a JSON Lines object: a last line without its newline counts, blank lines do not occur in segments. */
async function countLines(store: ObjectStore, key: string): Promise<number> {
  let lines = 0;
  let last: number | undefined;
  for await (const chunk of await store.getStream(key)) {
    const bytes = chunk as Buffer;
    for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) lines++;
    if (bytes.length > 0) last = bytes[bytes.length - 1];
  }
  return last === undefined || last === NEWLINE ? lines : lines + 1;
}
