import { readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { TEMPORARY_FOLDER_NAME } from "../../functions/core/temporary-folder.ts";
import { processExists } from "./process-exists.ts";

/**
 * Removes the temporary folders that goldpipe processes killed outright (kill -9, a power cut) left
 * behind: those named for a process that no longer exists. Answers how many went.
 */
export async function sweepLeftoverTemporaryFolders(tmp = os.tmpdir()): Promise<number> {
  let removed = 0;
  for (const entry of await readdir(tmp, { withFileTypes: true }).catch(() => [])) {
    const pid = TEMPORARY_FOLDER_NAME.exec(entry.name)?.[1];
    if (!entry.isDirectory() || pid === undefined || processExists(Number(pid))) continue;
    await rm(path.join(tmp, entry.name), { recursive: true, force: true }).then(
      () => removed++,
      () => undefined,
    );
  }
  return removed;
}
