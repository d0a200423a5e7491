import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadInputError } from "../../../../functions/core/errors.ts";
import { DirectoryObjectStore } from "../../../../local/adapters/directory-object-store.ts";
import { killSwitchFrom, KillSwitchStore } from "../../../../local/runtime/kill-switch.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "goldpipe-kill-switch-"));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe("GOLDPIPE_KILL_AT", () => {
  it("is off when unset or empty", () => {
    expect(killSwitchFrom(undefined)).toBeUndefined();
    expect(killSwitchFrom("  ")).toBeUndefined();
  });

  it("fires right after the N-th write matching the pattern, once", async () => {
    const kills: string[] = [];
    let last = "";
    const killSwitch = killSwitchFrom("write:runs/*/scores/*/_SUCCESS#2", () => kills.push(last))!;
    const store = new KillSwitchStore(new DirectoryObjectStore(root), {
      afterWrite: (key) => {
        last = key;
        killSwitch.afterWrite(key);
      },
      afterState: killSwitch.afterState,
    });
    await store.put("runs/r/scores/0/part-1.parquet", "x");
    await store.put("runs/r/scores/0/_SUCCESS", "");
    expect(kills).toEqual([]);
    await store.put("runs/r/scores/1/_SUCCESS", "");
    await store.put("runs/r/scores/2/_SUCCESS", "");
    expect(kills).toEqual(["runs/r/scores/1/_SUCCESS"]);
  });

  it("matches ** across path segments and * within one, and a conditional create that created", async () => {
    const kills: string[] = [];
    const curated = killSwitchFrom("write:curated/**", () => kills.push("curated"))!;
    curated.afterWrite("curated/headline_sentiment/year=2024/month=03/day=01/run-1-0.parquet");
    const lock = killSwitchFrom("write:locks/*/0000000001.json", () => kills.push("lock"))!;
    lock.afterWrite("locks/runs/run-1/0000000001.json");
    const store = new KillSwitchStore(new DirectoryObjectStore(root), lock);
    await store.createIfAbsent("locks/seal/0000000001.json", "{}");
    await store.createIfAbsent("locks/seal/0000000001.json", "{}");
    expect(kills).toEqual(["curated", "lock"]);
  });

  it("fires after the named workflow state", () => {
    const kills: string[] = [];
    const killSwitch = killSwitchFrom("state:MergeRun", () => kills.push("merge"))!;
    killSwitch.afterState("FinalizeRun");
    killSwitch.afterWrite("MergeRun");
    expect(kills).toEqual([]);
    killSwitch.afterState("MergeRun");
    expect(kills).toEqual(["merge"]);
  });

  it("refuses a value it cannot read, saying what it takes", () => {
    for (const value of ["merge", "write:", "state:MergeRun#0", "kill:x"]) {
      expect(() => killSwitchFrom(value)).toThrow(BadInputError);
    }
    expect(() => killSwitchFrom("merge")).toThrow(/is not write:PATTERN\[#N\] or state:NAME\[#N\]/);
  });
});
