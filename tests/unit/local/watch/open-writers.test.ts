import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { filesOpenForWriting } from "../../../../local/watch/open-writers.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "goldpipe-open-writers-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A process holding the file open with the shell redirection given (`3>>` to write, `3<` to read) until killed. */
async function holder(redirect: string, file: string) {
  const child = spawn("sh", ["-c", `exec ${redirect}"${file}"; echo ready; exec sleep 30`], { stdio: ["ignore", "pipe", "ignore"] });
  await new Promise((resolve) => child.stdout!.once("data", resolve));
  return async () => {
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
  };
}

describe("filesOpenForWriting (Linux, as the repository's Node build)", () => {
  it("names the files a process holds open for writing, not those held open for reading", async () => {
    const written = path.join(dir, "written.csv");
    const read = path.join(dir, "read.csv");
    const idle = path.join(dir, "idle.csv");
    for (const file of [written, read, idle]) await writeFile(file, "headline\n");
    const stopWriter = await holder("3>>", written);
    const stopReader = await holder("3<", read);
    try {
      expect(await filesOpenForWriting([written, read, idle])).toEqual(new Set([written]));
    } finally {
      await stopWriter();
      await stopReader();
    }
    expect(await filesOpenForWriting([written, read, idle])).toEqual(new Set());
  });
});
