import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { goldpipe } from "../../../../support/cli.ts";

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "goldpipe-generate-test-"));
});
afterEach(() => rm(work, { recursive: true, force: true }));

describe("goldpipe generate", () => {
  it("writes the same CSV for the same seed to stdout", async () => {
    const a = await goldpipe("generate", "--count", "50", "--seed", "9");
    const b = await goldpipe("generate", "--count", "50", "--seed", "9");
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const lines = a.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("id,headline,published_at,symbols,source,url");
    expect(lines).toHaveLength(51);
  });

  it("writes news-API JSONL to a file and, with --json, a summary", async () => {
    const out = path.join(work, "h.jsonl");
    const { code, stdout } = await goldpipe("generate", "--count", "20", "--format", "jsonl", "--out", out, "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ file: out, rows: 20, format: "jsonl", seed: 1, bad_rows: 0 });
    const rows = (await readFile(out, "utf8"))
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rows).toHaveLength(20);
    expect(Object.keys(rows[0])).toEqual(["id", "headline", "summary", "created_at", "symbols", "source", "url"]);
  });

  it.each([
    [["--count", "abc"], /--count must be a whole number/],
    [["--count", "0"], /--count must be at least 1/],
    [["--count", "5", "--format", "xml"], /--format must be csv or jsonl/],
    [["--format", "csv"], /--count N is required/],
    [["--count", "5", "--json"], /--json prints a summary, so it needs --out FILE/],
  ])("refuses %j with exit 2", async (args, message) => {
    const { code, stderr } = await goldpipe("generate", ...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe("goldpipe generate, writing", () => {
  it("says why it cannot write --out, with exit 2", async () => {
    const { code, stderr } = await goldpipe("generate", "--count", "5", "--out", path.join(work, "no-such-dir", "h.csv"));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^goldpipe generate: cannot write .*no-such-dir\/h\.csv: ENOENT/);
  });
});
