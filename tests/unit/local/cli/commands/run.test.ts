import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { goldpipe } from "../../../../support/pipeline-fixtures.ts";

let dir: string;
let model: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-run-cli-test-"));
  model = path.join(dir, "model");
  await mkdir(model);
  await writeFile(path.join(model, "config.json"), "{}");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("goldpipe run and replay: what the user got wrong (exit 2, one line, no stack)", () => {
  it.each([
    [["run"], "give one or more files of headlines to score"],
    [["run", "x.csv", "--shard-size", "0"], "--shard-size wants a whole number from 1 to"],
    [["run", "x.csv", "--concurrency", "41"], '--concurrency wants a whole number from 1 to 40, not "41"'],
    [["replay"], "give one RUN_ID"],
  ])("goldpipe %j", async (args, message) => {
    const { code, stderr } = await goldpipe([...args, "--model", model, "--lake", path.join(dir, "lake")]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toContain("    at ");
  });

  it("names a missing model and how to get one", async () => {
    const { code, stderr } = await goldpipe(["run", "x.csv", "--model", path.join(dir, "nope"), "--lake", path.join(dir, "lake")]);
    expect(code).toBe(2);
    expect(stderr).toContain("there is no Hugging Face model in");
    expect(stderr).toContain("pass --model DIR");
  });

  it("says what is wrong with GOLDPIPE_CHAOS", async () => {
    const { code, stderr } = await goldpipe(["run", "x.csv", "--model", model, "--lake", path.join(dir, "lake")], {
      GOLDPIPE_CHAOS: "fail=3",
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/GOLDPIPE_CHAOS="fail=3": fail: .*\(e\.g\. GOLDPIPE_CHAOS=fail=0\.33/);
  });

  it("tells replay when the run is not in the lake", async () => {
    const { code, stderr } = await goldpipe(["replay", "run-nope", "--model", model, "--lake", path.join(dir, "lake")]);
    expect(code).toBe(2);
    expect(stderr).toContain("there is no run run-nope in this lake");
  });
});
