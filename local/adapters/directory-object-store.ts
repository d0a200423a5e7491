import { createWriteStream } from "node:fs";
import { link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomUUID } from "node:crypto";
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore } from "../../functions/core/ports.ts";

const TEMP_SUFFIX = ".goldpipe-tmp";

/** The lake directory was removed under a store told not to create it again (watch's, which must not recreate an empty lake). */
export class LakeDirectoryGoneError extends Error {
  override name = "LakeDirectoryGoneError";
}

/**
 * A directory as the bucket: a key is a relative path. Writes go to a temporary file beside the
 * target and are renamed into place, so a reader sees the old object or the new one, never half.
 * With `createRoot: false` a write fails with LakeDirectoryGoneError once the directory is gone,
 * instead of making an empty one.
 */
export class DirectoryObjectStore implements ObjectStore {
  readonly root: string;
  readonly #createRoot: boolean;

  constructor(root: string, options: { createRoot?: boolean } = {}) {
    this.root = path.resolve(root);
    this.#createRoot = options.createRoot ?? true;
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async getStream(key: string): Promise<Readable> {
    const file = this.#path(key);
    try {
      const handle = await open(file);
      return handle.createReadStream({ highWaterMark: 1024 * 1024 });
    } catch (error) {
      if (isMissing(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async put(key: string, body: Buffer | string | Readable): Promise<void> {
    const file = this.#path(key);
    await this.#makeParent(file);
    const temporary = `${file}.${randomUUID()}${TEMP_SUFFIX}`;
    try {
      await pipeline(body instanceof Readable ? body : Readable.from([body]), createWriteStream(temporary));
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** The object is written beside its key and hard-linked into place: link fails when the key exists, and never shows half an object. */
  async createIfAbsent(key: string, body: Buffer | string): Promise<boolean> {
    const file = this.#path(key);
    await this.#makeParent(file);
    const temporary = `${file}.${randomUUID()}${TEMP_SUFFIX}`;
    try {
      await writeFile(temporary, body);
      await link(temporary, file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    } finally {
      await rm(temporary, { force: true });
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const stats = await stat(this.#path(key));
      return stats.isFile() ? { key, size: stats.size, lastModified: stats.mtime } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const start = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/") + 1) : "";
    const keys: string[] = [];
    for (const key of await this.#walk(start)) if (key.startsWith(prefix)) keys.push(key);
    keys.sort();
    for (const key of keys) {
      const info = await this.head(key);
      if (info) yield info;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  async #walk(directoryKey: string): Promise<string[]> {
    const entries = await readdir(this.#path(directoryKey || "."), { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (isMissing(error) || error.code === "ENOTDIR") return [];
      throw error;
    });
    const keys: string[] = [];
    for (const entry of entries) {
      const key = `${directoryKey}${entry.name}`;
      if (entry.isDirectory()) keys.push(...(await this.#walk(`${key}/`)));
      else if (entry.isFile() && !entry.name.endsWith(TEMP_SUFFIX)) keys.push(key);
    }
    return keys;
  }

  async #makeParent(file: string): Promise<void> {
    if (!this.#createRoot && !(await stat(this.root).catch(() => undefined))?.isDirectory()) {
      throw new LakeDirectoryGoneError(`the lake directory ${this.root} is gone`);
    }
    await mkdir(path.dirname(file), { recursive: true });
  }

  #path(key: string): string {
    const file = path.resolve(this.root, key);
    if (file !== this.root && !file.startsWith(`${this.root}${path.sep}`)) {
      throw new Error(`the key "${key}" points outside the lake directory`);
    }
    return file;
  }
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException)?.code === "ENOENT";
