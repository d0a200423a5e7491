import { mkdir, readdir, rename, stat } from "node:fs/promises";
import path from "node:path";

/** Where files go once ingested, inside the watched folder: out of the way of the next scan. */
export const INGESTED_SUBDIR = "ingested";

/** Names that writers use while a file is still being written (rename-into-place), and hidden files. */
const IN_PROGRESS = /^\.|\.(part|partial|tmp|temp|crdownload|download|swp)$|~$/i;

interface Observation {
  size: number;
  mtimeMs: number;
  /** When this size and mtime were first seen. */
  since: number;
}

/**
 * The watched folder. A file is ready when its size and modification time have not changed for
 * settleMs, so a file still being copied in is not read early; hidden files and in-progress names
 * (.part, .tmp, .crdownload, …) are never read. Only the folder's own files count, not subfolders.
 */
export class DropFolder {
  readonly dir: string;
  readonly settleMs: number;
  readonly #seen = new Map<string, Observation>();

  constructor(dir: string, settleMs: number) {
    this.dir = dir;
    this.settleMs = settleMs;
  }

  /** The files (absolute paths, in name order) that have settled by `now` (ms since the epoch). */
  async settledFiles(now: number): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const present = new Set<string>();
    const ready: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || IN_PROGRESS.test(entry.name)) continue;
      const file = path.join(this.dir, entry.name);
      const stats = await stat(file).catch(() => undefined);
      if (!stats) continue;
      present.add(file);
      const before = this.#seen.get(file);
      if (!before || before.size !== stats.size || before.mtimeMs !== stats.mtimeMs) {
        this.#seen.set(file, { size: stats.size, mtimeMs: stats.mtimeMs, since: now });
      } else if (now - before.since >= this.settleMs) {
        ready.push(file);
      }
    }
    for (const file of this.#seen.keys()) if (!present.has(file)) this.#seen.delete(file);
    return ready.sort();
  }

  /** Files in the folder not yet ingested, settled or not. */
  get waiting(): number {
    return this.#seen.size;
  }

  /** Moves an ingested file to ingested/ in the folder (a numbered name if one is there already); returns where. */
  async moveIngested(file: string): Promise<string> {
    const target = path.join(this.dir, INGESTED_SUBDIR);
    await mkdir(target, { recursive: true });
    const { name, ext } = path.parse(file);
    for (let n = 0; ; n++) {
      const destination = path.join(target, n === 0 ? path.basename(file) : `${name}.${n}${ext}`);
      if (await stat(destination).catch(() => undefined)) continue;
      await rename(file, destination);
      this.#seen.delete(file);
      return destination;
    }
  }
}
