import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** `goldpipe-<purpose>-<pid>-XXXXXX`: the pid lets a later goldpipe process remove the folder when this one died before it could. */
export const TEMPORARY_FOLDER_NAME = /^goldpipe-[a-z]+-(\d+)-/;

/** A new folder under the system's temporary directory, named for its purpose and this process. */
export function makeTemporaryFolder(purpose: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `goldpipe-${purpose}-${process.pid}-`));
}
