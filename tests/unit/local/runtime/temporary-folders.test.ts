import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sweepLeftoverTemporaryFolders } from "../../../../local/runtime/temporary-folders.ts";

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "goldpipe-sweep-test-"));
});
afterEach(() => rm(tmp, { recursive: true, force: true }));

describe("sweepLeftoverTemporaryFolders", () => {
  it("removes the folders of goldpipe processes that are gone, and nothing else", async () => {
    const dead = spawnSync("true").pid!;
    const names = [
      `goldpipe-merge-${dead}-a1b2c3`,
      `goldpipe-job-${dead}-d4e5f6`,
      `goldpipe-job-${process.pid}-g7h8i9`,
      "goldpipe-merge-xyz",
      "someone-elses-folder",
    ];
    for (const name of names) await mkdir(path.join(tmp, name, "inside"), { recursive: true });
    expect(await sweepLeftoverTemporaryFolders(tmp)).toBe(2);
    expect((await readdir(tmp)).sort()).toEqual([`goldpipe-job-${process.pid}-g7h8i9`, "goldpipe-merge-xyz", "someone-elses-folder"]);
  });
});
