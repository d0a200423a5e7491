import { createReadStream } from "node:fs";
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import path from "node:path";
import { INCOMING_PREFIX } from "../functions/core/lake-keys.ts";
import { fanoutFile, type FanoutOptions, type FileIngestResult } from "../functions/core/ingest/fanout.ts";
import { writePendingSegment } from "../functions/core/ingest/segment.ts";
import { DirectoryObjectStore } from "./adapters/directory-object-store.ts";
import { InProcessQueue } from "./adapters/in-process-queue.ts";
import type { RealtimeRoute } from "../functions/core/realtime/dispatch.ts";

/** One local file's outcome: the fanout's result, or why the file could not be read from disk. */
export type LocalIngestResult = (FileIngestResult & { path: string; error: null }) | { path: string; file: null; error: string };

export interface LocalIngestOptions {
  /** The local lake directory. */
  lake: string;
  /** Called as each file is parsed: its path, bytes read so far, its size and the rows so far. */
  onProgress?: (path: string, progress: Readonly<{ bytes: number; total: number; rows: number }>) => void;
  /** The ingest clock (epoch ms), for tests. */
  now?: number;
  /** Hybrid routing: critical headlines during market hours go to this endpoint instead of pending/. */
  realtime?: RealtimeRoute;
}

/**
 * `ingestLocalFiles(paths, { lake, onProgress })` → `{ files, segments }`: copies each file into the lake's
 * incoming/ and runs the fanout and the segment step on it with the local adapters (a directory as the bucket,
 * an in-process queue). A file that cannot be read or parsed is reported in its result and the others
 * are still ingested; `segments` counts the pending segments written. Used by `goldpipe ingest` and `goldpipe run`.
 */
export async function ingestLocalFiles(
  paths: string[],
  options: LocalIngestOptions,
): Promise<{ files: LocalIngestResult[]; segments: number }> {
  const store = new DirectoryObjectStore(options.lake);
  const segments = new Set<string>();
  const queue = new InProcessQueue(async (messages) => {
    const written = await writePendingSegment(store, messages);
    if (written.segmentKey) segments.add(written.segmentKey);
    return written;
  });
  const files: LocalIngestResult[] = [];
  for (const filePath of paths) {
    const unreadable = await unreadableReason(filePath);
    if (unreadable) {
      files.push({ path: filePath, file: null, error: unreadable });
      continue;
    }
    const key = `${INCOMING_PREFIX}${path.basename(filePath)}`;
    await store.put(key, createReadStream(filePath));
    const fanoutOptions: FanoutOptions = { now: options.now };
    if (options.onProgress) fanoutOptions.onProgress = (progress) => options.onProgress!(filePath, progress);
    const result = await fanoutFile({ store, queue, realtime: options.realtime }, key, fanoutOptions);
    if (!result) throw new Error(`${key} vanished from the lake while it was being ingested`);
    files.push({ ...result, path: filePath, error: null });
  }
  return { files, segments: segments.size };
}

/** Why a local path cannot be ingested (missing, not a file, not readable), or undefined when it can be read. */
export async function unreadableReason(filePath: string): Promise<string | undefined> {
  try {
    const stats = await stat(filePath);
    if (!stats.isFile()) return `${filePath} is not a file`;
    await access(filePath, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return `${filePath} does not exist`;
    if (code === "EACCES") return `${filePath} cannot be read (permission denied)`;
    return `${filePath} cannot be read (${code ?? (error as Error).message})`;
  }
}
