import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, rename, stat } from "node:fs/promises";
import path from "node:path";
import { filesOpenForWriting } from "./open-writers.ts";

/** Where files go once ingested and quiet, inside the watched folder: out of the way of the next scan. */
export const INGESTED_SUBDIR = "ingested";
/** Where a file goes that changed after it was taken in a way that cannot be ingested as added rows. */
export const CHANGED_SUBDIR = "changed";

/** Names that writers use while a file is still being written (rename-into-place), and hidden files. */
const IN_PROGRESS = /^\.|\.(part|partial|tmp|temp|crdownload|download|swp)$|~$/i;

interface Observation {
  size: number;
  mtimeMs: number;
  ino: number;
  /** When this size and mtime were first seen. */
  since: number;
}

/** A version of a file as it was ingested: its first `size` bytes. */
export interface TakenVersion {
  size: number;
  mtimeMs: number;
  ino: number;
  /** sha256 of those bytes. */
  sha256: string;
  /** Whether they end with a line break, so that their last row was whole. */
  endsWithLineBreak: boolean;
  /** Rows those bytes hold, ingested now or by an earlier drop of the same content. */
  rows: number;
  /** When it was taken, or last seen unchanged since. */
  since: number;
}

/** A file ready to be taken: settled, nobody writing to it, new or changed since it was last taken. */
export interface ReadyFile {
  file: string;
  size: number;
  mtimeMs: number;
  ino: number;
  /** The version taken before, when this is a change to a file already ingested. */
  taken: TakenVersion | undefined;
}

/**
 * The watched folder. A file is ready when its size and modification time have not changed for
 * settleMs and no process on this machine holds it open for writing, so a file still being written,
 * even by a writer that pauses, is not read early; hidden files and in-progress names (.part, .tmp,
 * .crdownload, …) are never read. Only the folder's own files count, not subfolders. A file taken
 * stays where it is until it has not changed for quietMs, and only then goes to ingested/: rows
 * appended meanwhile (`>>`) are taken as a change of it.
 */
export class DropFolder {
  readonly dir: string;
  readonly settleMs: number;
  readonly quietMs: number;
  readonly #seen = new Map<string, Observation>();
  readonly #taken = new Map<string, TakenVersion>();
  /** Taken files seen changed since they were taken: not quiet, whatever their age. */
  readonly #changed = new Set<string>();

  constructor(dir: string, settleMs: number, quietMs = 15 * settleMs) {
    this.dir = dir;
    this.settleMs = settleMs;
    this.quietMs = quietMs;
  }

  /** The files (in name order) ready to be taken by `now` (ms since the epoch). */
  async readyFiles(now: number): Promise<ReadyFile[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const present = new Set<string>();
    const settled: ReadyFile[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || IN_PROGRESS.test(entry.name)) continue;
      const file = path.join(this.dir, entry.name);
      const stats = await stat(file).catch(() => undefined);
      if (!stats) continue;
      present.add(file);
      const taken = this.#taken.get(file);
      if (taken && sameVersion(taken, stats)) {
        this.#seen.delete(file);
        continue;
      }
      if (taken) this.#changed.add(file);
      const before = this.#seen.get(file);
      if (!before || before.size !== stats.size || before.mtimeMs !== stats.mtimeMs || before.ino !== stats.ino) {
        this.#seen.set(file, { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino, since: now });
      } else if (now - before.since >= this.settleMs) {
        settled.push({ file, size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino, taken });
      }
    }
    for (const file of this.#seen.keys()) if (!present.has(file)) this.#seen.delete(file);
    for (const file of this.#taken.keys()) {
      if (present.has(file)) continue;
      this.#taken.delete(file);
      this.#changed.delete(file);
    }
    const writing = await filesOpenForWriting(settled.map((ready) => ready.file));
    return settled.filter((ready) => !writing?.has(ready.file)).sort((a, b) => a.file.localeCompare(b.file));
  }

  /** Taken files that have not changed for quietMs by `now` (as of the last scan): done, to be moved to ingested/. */
  quietFiles(now: number): string[] {
    return [...this.#taken]
      .filter(([file, version]) => !this.#changed.has(file) && now - version.since >= this.quietMs)
      .map(([file]) => file);
  }

  /** Taken files as they were taken, unchanged since (watch stopping: what they hold is all in the lake). */
  async unchangedTakenFiles(): Promise<string[]> {
    const unchanged: string[] = [];
    for (const [file, version] of this.#taken) {
      const stats = await stat(file).catch(() => undefined);
      if (stats && sameVersion(version, stats)) unchanged.push(file);
    }
    return unchanged;
  }

  /** Records the version of a file just ingested. */
  markTaken(ready: ReadyFile, version: Pick<TakenVersion, "sha256" | "endsWithLineBreak" | "rows">, now: number): void {
    this.#seen.delete(ready.file);
    this.#changed.delete(ready.file);
    this.#taken.set(ready.file, { size: ready.size, mtimeMs: ready.mtimeMs, ino: ready.ino, since: now, ...version });
  }

  /**
   * Whether a change to a taken file is rows added after whole rows: the file grew, and its first
   * bytes are still exactly the version taken, which ended with a line break. Else why it is not.
   */
  async appendedRows(ready: ReadyFile & { taken: TakenVersion }): Promise<true | string> {
    const { taken } = ready;
    if (ready.ino !== taken.ino) return "it was replaced by another file of the same name";
    if (ready.size < taken.size) return `it shrank from ${taken.size} to ${ready.size} bytes`;
    if (ready.size === taken.size || (await versionOf(ready.file, taken.size)).sha256 !== taken.sha256) {
      return `its first ${taken.size} bytes, already ingested, were rewritten`;
    }
    if (!taken.endsWithLineBreak) return "its last row was cut short when it was read, and has grown since";
    return true;
  }

  /** Files in the folder not yet ingested, settled or not, and files taken and not yet moved. */
  get waiting(): number {
    return this.#seen.size + this.#taken.size;
  }

  /** Moves an ingested file to ingested/ in the folder (a numbered name if one is there already); returns where. */
  moveIngested(file: string): Promise<string> {
    return this.#moveTo(file, INGESTED_SUBDIR);
  }

  /** Moves a file that changed after it was taken to changed/, where the user looks at it; returns where. */
  setAside(file: string): Promise<string> {
    return this.#moveTo(file, CHANGED_SUBDIR);
  }

  async #moveTo(file: string, subdir: string): Promise<string> {
    const target = path.join(this.dir, subdir);
    await mkdir(target, { recursive: true });
    const { name, ext } = path.parse(file);
    for (let n = 0; ; n++) {
      const destination = path.join(target, n === 0 ? path.basename(file) : `${name}.${n}${ext}`);
      if (await stat(destination).catch(() => undefined)) continue;
      await rename(file, destination);
      this.#seen.delete(file);
      this.#taken.delete(file);
      this.#changed.delete(file);
      return destination;
    }
  }
}

/** sha256 of a file's first `bytes`, and whether they end with a line break. */
export async function versionOf(file: string, bytes: number): Promise<Pick<TakenVersion, "sha256" | "endsWithLineBreak">> {
  const hash = createHash("sha256");
  if (bytes > 0) for await (const chunk of createReadStream(file, { start: 0, end: bytes - 1 })) hash.update(chunk as Buffer);
  let last = Buffer.alloc(0);
  if (bytes > 0) {
    const handle = await open(file);
    try {
      last = Buffer.alloc(1);
      await handle.read(last, 0, 1, bytes - 1);
    } finally {
      await handle.close();
    }
  }
  return { sha256: hash.digest("hex"), endsWithLineBreak: last[0] === 0x0a };
}

const sameVersion = (taken: TakenVersion, stats: { size: number; mtimeMs: number; ino: number }) =>
  taken.size === stats.size && taken.mtimeMs === stats.mtimeMs && taken.ino === stats.ino;
