import { createReadStream } from "node:fs";
import { constants } from "node:fs";
import { access, lstat, realpath } from "node:fs/promises";
import path from "node:path";
import { fanoutFile, type FanoutOptions, type FileIngestResult } from "../functions/core/ingest/fanout.ts";
import { newDropKey } from "../functions/core/ingest/drop-key.ts";
import { writePendingSegment } from "../functions/core/ingest/segment.ts";
import type { LockOwner } from "../functions/core/orchestration/lock.ts";
import { InProcessQueue } from "./adapters/in-process-queue.ts";
import { openLakeStore } from "./runtime/lake-store.ts";
import { localLockOwner } from "./runtime/local-lock-owner.ts";
import type { RealtimeRoute } from "../functions/core/realtime/dispatch.ts";

/** One local file's outcome: the fanout's result, or why the file could not be read from disk. */
export type LocalIngestResult = (FileIngestResult & { path: string; error: null }) | { path: string; file: null; error: string };

/** A file to ingest, as it stood when it was taken: only its first `bytes`, past the `skipRows` an earlier version brought. */
export interface LocalDrop {
  path: string;
  bytes?: number;
  skipRows?: number;
}

export interface LocalIngestOptions {
  /** The local lake directory. */
  lake: string;
  /** Whether a lake directory that is not there may be made (watch's may not: it was removed under it). */
  createLake?: boolean;
  /** Called as each file is parsed: its path, bytes read so far, its size and the rows so far. */
  onProgress?: (path: string, progress: Readonly<{ bytes: number; total: number; rows: number }>) => void;
  /** The ingest clock (epoch ms), for tests. */
  now?: number;
  /** How this process is named in the lake's locks (the same content ingested by two processes at once is ingested once). */
  owner?: LockOwner;
  /** Hybrid routing: critical headlines during market hours go to this endpoint instead of pending/. */
  realtime?: RealtimeRoute;
}

/**
 * `ingestLocalFiles(paths, { lake, onProgress })` → `{ files, segments }`: copies each file into the lake under a
 * key of its own (`incoming/<drop_id>/<name>`) and runs the fanout and the segment step on it with the local adapters
 * (a directory as the bucket, an in-process queue). A file that cannot be read or parsed is reported in its result and
 * the others are still ingested; `segments` counts the pending segments written. Used by `goldpipe ingest`, `run`, `watch`.
 */
export async function ingestLocalFiles(
  drops: (string | LocalDrop)[],
  options: LocalIngestOptions,
): Promise<{ files: LocalIngestResult[]; segments: number }> {
  const store = openLakeStore(options.lake, { createRoot: options.createLake });
  const owner = options.owner ?? localLockOwner(`goldpipe ingest (pid ${process.pid})`);
  const segments = new Set<string>();
  const queue = new InProcessQueue(async (messages) => {
    const written = await writePendingSegment(store, messages);
    if (written.segmentKey) segments.add(written.segmentKey);
    return written;
  });
  const files: LocalIngestResult[] = [];
  for (const drop of drops) {
    const { path: filePath, bytes, skipRows } = typeof drop === "string" ? { path: drop } : drop;
    const unreadable = await unreadableReason(filePath);
    if (unreadable) {
      files.push({ path: filePath, file: null, error: unreadable });
      continue;
    }
    const key = newDropKey(path.basename(filePath), options.now === undefined ? undefined : new Date(options.now));
    await store.put(key, createReadStream(filePath, bytes === undefined ? {} : { start: 0, end: bytes - 1 }));
    const fanoutOptions: FanoutOptions = { now: options.now, skipRows, contentLockWaitMs: CONTENT_WAIT_MS };
    if (options.onProgress) fanoutOptions.onProgress = (progress) => options.onProgress!(filePath, progress);
    const result = await fanoutFile({ store, queue, owner, realtime: options.realtime }, key, fanoutOptions);
    if (!result) throw new Error(`${key} vanished from the lake while it was being ingested`);
    files.push({ ...result, path: filePath, error: null });
  }
  return { files, segments: segments.size };
}

/** Locally the other ingest of the same content is another goldpipe process on this lake: wait for it. */
const CONTENT_WAIT_MS = 30 * 60_000;

/**
 * Why a local path cannot be ingested (missing, not a file, a symbolic link, not readable), or
 * undefined when it can be read. A link is refused rather than followed: whatever it points to
 * (/etc/passwd) would otherwise be copied into the lake.
 */
export async function unreadableReason(filePath: string): Promise<string | undefined> {
  try {
    const stats = await lstat(filePath);
    if (stats.isSymbolicLink()) {
      const target = await realpath(filePath).catch(() => "a path that does not exist");
      return `${filePath} is a symbolic link (to ${target}); goldpipe reads regular files only, so give the file itself`;
    }
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
