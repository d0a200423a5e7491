import { spawn } from "node:child_process";
import { appendFile, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DropFolder, versionOf, type ReadyFile } from "../../../../local/watch/drop-folder.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "goldpipe-drop-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const names = (ready: ReadyFile[]) => ready.map((r) => r.file);

/** Takes the ready file as watch does once it has ingested it. */
async function take(folder: DropFolder, ready: ReadyFile, rows: number, now: number) {
  folder.markTaken(ready, { ...(await versionOf(ready.file, ready.size)), rows }, now);
}

describe("the drop folder", () => {
  it("hands over a file only once its size and mtime have held still for the settle time", async () => {
    const folder = new DropFolder(dir, 2_000);
    const file = path.join(dir, "headlines.csv");
    await writeFile(file, "headline,published_at\n");
    expect(await folder.readyFiles(0)).toEqual([]);
    expect(await folder.readyFiles(1_999)).toEqual([]);
    // Still being written: the clock of settling starts again.
    await appendFile(file, "Gold rises,2026-01-13T15:00:00Z\n");
    expect(await folder.readyFiles(2_500)).toEqual([]);
    expect(await folder.readyFiles(4_000)).toEqual([]);
    expect(names(await folder.readyFiles(4_500))).toEqual([file]);
  });

  it("notices a rewrite that keeps the size but changes the mtime", async () => {
    const folder = new DropFolder(dir, 1_000);
    const file = path.join(dir, "a.jsonl");
    await writeFile(file, "{}\n");
    await utimes(file, 1_000, 1_000);
    await folder.readyFiles(0);
    await utimes(file, 2_000, 2_000);
    expect(await folder.readyFiles(1_500)).toEqual([]);
    expect(names(await folder.readyFiles(2_500))).toEqual([file]);
  });

  it("does not hand over a still file that a process holds open for writing", async () => {
    const folder = new DropFolder(dir, 0);
    const file = path.join(dir, "held.csv");
    await writeFile(file, "headline,published_at\n");
    // A writer that opened the file and pauses between rows, as a slow export does.
    const writer = spawn("sh", ["-c", `exec 3>>"${file}"; echo ready; exec sleep 30`], { stdio: ["ignore", "pipe", "ignore"] });
    await new Promise((resolve) => writer.stdout!.once("data", resolve));
    try {
      await folder.readyFiles(0);
      expect(await folder.readyFiles(10)).toEqual([]);
    } finally {
      writer.kill("SIGKILL");
      await new Promise((resolve) => writer.once("exit", resolve));
    }
    expect(names(await folder.readyFiles(20))).toEqual([file]);
  });

  it("ignores hidden files, in-progress names and subfolders", async () => {
    const folder = new DropFolder(dir, 0);
    for (const name of [".DS_Store", "dump.csv.part", "dump.csv.tmp", "dump.csv.crdownload", "dump.csv~"])
      await writeFile(path.join(dir, name), "x");
    await mkdir(path.join(dir, "sub"));
    await writeFile(path.join(dir, "sub", "inner.csv"), "x");
    await folder.readyFiles(0);
    expect(await folder.readyFiles(1)).toEqual([]);
    expect(folder.waiting).toBe(0);
  });

  it("keeps a taken file until it has been quiet, then it is due to move; a change hands it over again", async () => {
    const folder = new DropFolder(dir, 0, 1_000);
    const file = path.join(dir, "news.csv");
    await writeFile(file, "headline,published_at\nGold rises,2026-01-13T15:00:00Z\n");
    await folder.readyFiles(0);
    const [ready] = await folder.readyFiles(1);
    await take(folder, ready!, 1, 1);
    expect(await folder.readyFiles(2)).toEqual([]);
    expect(folder.quietFiles(500)).toEqual([]);
    expect(folder.quietFiles(1_001)).toEqual([file]);

    await appendFile(file, "Dollar slips,2026-01-13T15:05:00Z\n");
    await folder.readyFiles(600);
    // Changed since it was taken: not quiet, however old the take.
    expect(folder.quietFiles(5_000)).toEqual([]);
    const [changed] = await folder.readyFiles(601);
    expect(changed).toMatchObject({ file, taken: { rows: 1 } });
    expect(await folder.appendedRows({ ...changed!, taken: changed!.taken! })).toBe(true);
  });

  it("tells rows appended after whole rows from other changes", async () => {
    const folder = new DropFolder(dir, 0);
    const cases: [string, string, (file: string) => Promise<void>, true | RegExp][] = [
      ["appended.csv", "h\na\n", (file) => appendFile(file, "b\n"), true],
      ["cut.csv", "h\na", (file) => appendFile(file, "bc\n"), /last row was cut short/],
      ["rewritten.csv", "h\na\n", (file) => writeFile(file, "h\nz\nb\n"), /were rewritten/],
      ["shrunk.csv", "h\na\nb\n", (file) => writeFile(file, "h\n"), /shrank from 6 to 2 bytes/],
      [
        "replaced.csv",
        "h\na\n",
        async (file) => {
          await writeFile(`${file}.new`, "h\na\nb\n");
          await rm(file);
          await import("node:fs/promises").then((fs) => fs.rename(`${file}.new`, file));
        },
        /replaced by another file/,
      ],
    ];
    for (const [name, before, change, verdict] of cases) {
      const file = path.join(dir, name);
      await writeFile(file, before);
      await folder.readyFiles(0);
      const ready = (await folder.readyFiles(1)).find((r) => r.file === file)!;
      await take(folder, ready, 1, 1);
      await change(file);
      await folder.readyFiles(2);
      const changed = (await folder.readyFiles(3)).find((r) => r.file === file)!;
      const answer = await folder.appendedRows({ ...changed, taken: changed.taken! });
      if (verdict === true) expect(answer, name).toBe(true);
      else expect(answer, name).toMatch(verdict);
    }
  });

  it("moves a file to ingested/ or sets it aside in changed/, numbering a repeat of the same name", async () => {
    const folder = new DropFolder(dir, 0);
    await writeFile(path.join(dir, "news.csv"), "one");
    expect(await folder.moveIngested(path.join(dir, "news.csv"))).toBe(path.join(dir, "ingested", "news.csv"));
    await writeFile(path.join(dir, "news.csv"), "two");
    expect(await folder.moveIngested(path.join(dir, "news.csv"))).toBe(path.join(dir, "ingested", "news.1.csv"));
    await writeFile(path.join(dir, "news.csv"), "three");
    expect(await folder.setAside(path.join(dir, "news.csv"))).toBe(path.join(dir, "changed", "news.csv"));
    expect((await readdir(dir)).sort()).toEqual(["changed", "ingested"]);
    await folder.readyFiles(0);
    expect(await folder.readyFiles(1)).toEqual([]);
  });
});
