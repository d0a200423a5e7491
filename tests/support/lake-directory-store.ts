import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore } from "../../functions/core/ports.ts";

/** An ObjectStore over a lake directory for the lake's tests: keys are paths under root. */
export function lakeDirectoryStore(root: string): ObjectStore {
  const file = (key: string) => path.join(root, key);
  const info = async (key: string): Promise<ObjectInfo | undefined> => {
    const stats = await stat(file(key)).catch(() => undefined);
    return stats?.isFile() ? { key, size: stats.size, lastModified: stats.mtime } : undefined;
  };
  return {
    async get(key) {
      return readFile(file(key)).catch(() => undefined);
    },
    async getStream(key) {
      if (!(await info(key))) throw new ObjectNotFoundError(key);
      return createReadStream(file(key));
    },
    async put(key, body) {
      await mkdir(path.dirname(file(key)), { recursive: true });
      if (body instanceof Readable) await pipeline(body, createWriteStream(file(key)));
      else await writeFile(file(key), body);
    },
    head: info,
    async *list(prefix) {
      const entries = await readdir(root, { recursive: true }).catch(() => [] as string[]);
      const keys = entries.map((e) => e.split(path.sep).join("/")).filter((k) => k.startsWith(prefix)).sort();
      for (const key of keys) {
        const object = await info(key);
        if (object) yield object;
      }
    },
    async delete(key) {
      await rm(file(key), { force: true });
    },
  };
}
