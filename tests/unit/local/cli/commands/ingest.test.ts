import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { goldpipe } from "../../../../support/cli.ts";

const FIXTURES = fileURLToPath(new URL("../../../../fixtures/ingest/", import.meta.url));

let work: string;
let lake: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "goldpipe-ingest-test-"));
  lake = path.join(work, "lake");
});
afterEach(() => rm(work, { recursive: true, force: true }));

describe("goldpipe ingest", () => {
  it("--json prints the files' counts and the segments written", async () => {
    const tsv = path.join(FIXTURES, "dump.tsv");
    const { code, stdout, stderr } = await goldpipe("ingest", tsv, path.join(FIXTURES, "headlines.json"), "--lake", lake, "--json");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      files: [
        { file: tsv, rows_read: 4, rows_valid: 2, rows_quarantined: 2, quarantine_reasons: { "impossible date": 2 }, duplicate_of: null },
        {
          file: path.join(FIXTURES, "headlines.json"),
          rows_read: 3,
          rows_valid: 2,
          rows_quarantined: 1,
          quarantine_reasons: { "missing published time": 1 },
          duplicate_of: null,
        },
      ],
      segments: 2,
    });
    expect(await readdir(path.join(lake, "pending"))).toHaveLength(2);
  });

  it("says so when the same content is dropped again", async () => {
    const tsv = path.join(FIXTURES, "dump.tsv");
    await goldpipe("ingest", tsv, "--lake", lake);
    const { code, stdout } = await goldpipe("ingest", tsv, "--lake", lake, "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout).files[0]).toMatchObject({ rows_read: 0, duplicate_of: "incoming/dump.tsv" });
    const human = await goldpipe("ingest", tsv, "--lake", lake);
    expect(human.stdout).toContain("same content as incoming/dump.tsv, ingested before; nothing sent again");
  });

  it("exits 2 with a one-line reason per unreadable file and still ingests the others", async () => {
    const binary = path.join(work, "photo.csv");
    await writeFile(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01]));
    const missing = path.join(work, "missing.csv");
    const { code, stdout, stderr } = await goldpipe("ingest", binary, path.join(FIXTURES, "dump.tsv"), missing, "--lake", lake);
    expect(code).toBe(2);
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^goldpipe ingest: .*photo\.csv: not a text file: it is a PNG image .*moved to quarantine\/photo\.csv\/$/);
    expect(lines[1]).toBe(`goldpipe ingest: ${missing} does not exist`);
    expect(stdout).toContain("dump.tsv: 4 rows read, 2 valid, 2 quarantined (impossible date: 2)");
    expect(stdout).toContain("1 pending segment(s) written");
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("--json keeps the shape for a bad file and adds its reason", async () => {
    const empty = path.join(work, "empty.csv");
    await writeFile(empty, "");
    const { code, stdout } = await goldpipe("ingest", empty, "--lake", lake, "--json");
    expect(code).toBe(2);
    expect(JSON.parse(stdout).files[0]).toEqual({
      file: empty,
      rows_read: 0,
      rows_valid: 0,
      rows_quarantined: 0,
      quarantine_reasons: {},
      duplicate_of: null,
      error: "the file is empty",
    });
  });

  it("asks for files", async () => {
    const { code, stderr } = await goldpipe("ingest", "--lake", lake);
    expect(code).toBe(2);
    expect(stderr).toMatch(/give one or more files/);
  });
});
