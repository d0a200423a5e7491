import { mkdtemp, mkdir, readdir, rm, utimes, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DropFolder } from "../../../../local/watch/drop-folder.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "goldpipe-drop-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the drop folder", () => {
  it("hands over a file only once its size and mtime have held still for the settle time", async () => {
    const folder = new DropFolder(dir, 2_000);
    const file = path.join(dir, "headlines.csv");
    await writeFile(file, "headline,published_at\n");
    expect(await folder.settledFiles(0)).toEqual([]);
    expect(await folder.settledFiles(1_999)).toEqual([]);
    // Still being written: the clock of settling starts again.
    await appendFile(file, "Gold rises,2026-01-13T15:00:00Z\n");
    expect(await folder.settledFiles(2_500)).toEqual([]);
    expect(await folder.settledFiles(4_000)).toEqual([]);
    expect(await folder.settledFiles(4_500)).toEqual([file]);
  });

  it("notices a rewrite that keeps the size but changes the mtime", async () => {
    const folder = new DropFolder(dir, 1_000);
    const file = path.join(dir, "a.jsonl");
    await writeFile(file, "{}\n");
    await utimes(file, 1_000, 1_000);
    await folder.settledFiles(0);
    await utimes(file, 2_000, 2_000);
    expect(await folder.settledFiles(1_500)).toEqual([]);
    expect(await folder.settledFiles(2_500)).toEqual([file]);
  });

  it("ignores hidden files, in-progress names and subfolders", async () => {
    const folder = new DropFolder(dir, 0);
    for (const name of [".DS_Store", "dump.csv.part", "dump.csv.tmp", "dump.csv.crdownload", "dump.csv~"])
      await writeFile(path.join(dir, name), "x");
    await mkdir(path.join(dir, "sub"));
    await writeFile(path.join(dir, "sub", "inner.csv"), "x");
    await folder.settledFiles(0);
    expect(await folder.settledFiles(1)).toEqual([]);
    expect(folder.waiting).toBe(0);
  });

  it("moves an ingested file to ingested/, numbering a repeat of the same name", async () => {
    const folder = new DropFolder(dir, 0);
    await writeFile(path.join(dir, "news.csv"), "one");
    expect(await folder.moveIngested(path.join(dir, "news.csv"))).toBe(path.join(dir, "ingested", "news.csv"));
    await writeFile(path.join(dir, "news.csv"), "two");
    expect(await folder.moveIngested(path.join(dir, "news.csv"))).toBe(path.join(dir, "ingested", "news.1.csv"));
    expect((await readdir(dir)).sort()).toEqual(["ingested"]);
    await folder.settledFiles(0);
    expect(await folder.settledFiles(1)).toEqual([]);
  });
});
