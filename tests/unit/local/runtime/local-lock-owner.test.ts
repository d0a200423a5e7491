import { spawnSync } from "node:child_process";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { LocalWorkflow } from "../../../../local/adapters/local-workflow.ts";
import { localLockOwner } from "../../../../local/runtime/local-lock-owner.ts";

/** A pid that was a process of this machine a moment ago and is none now. */
const deadPid = () => spawnSync("true").pid!;

describe("localLockOwner", () => {
  it("names this process, on this machine", () => {
    expect(localLockOwner("goldpipe run (pid 1)").holder).toEqual({ name: "goldpipe run (pid 1)", host: os.hostname(), pid: process.pid });
  });

  it("tells a holder on this machine alive while its process is: a kill -9 frees its locks at once", async () => {
    const { liveness } = localLockOwner("goldpipe run");
    expect(await liveness!({ name: "gone", host: os.hostname(), pid: deadPid() })).toBe(false);
    expect(await liveness!({ name: "our parent", host: os.hostname(), pid: process.ppid })).toBe(true);
    expect(await liveness!({ name: "elsewhere", host: "another-machine", pid: process.ppid })).toBeUndefined();
    expect(await liveness!({ name: "a Lambda" })).toBeUndefined();
  });

  it("tells its own run lock alive while its execution runs, and free once it has ended", async () => {
    let finish!: () => void;
    const workflow = new LocalWorkflow(() => new Promise((resolve) => (finish = () => resolve({}))));
    const { liveness, holder } = localLockOwner("goldpipe watch", workflow);
    await workflow.start({ name: "run-1", input: {} });
    expect(await liveness!({ ...holder, execution: "run-1" })).toBe(true);
    finish();
    await workflow.wait("run-1");
    expect(await liveness!({ ...holder, execution: "run-1" })).toBe(false);
    expect(await liveness!(holder)).toBe(true);
  });
});
