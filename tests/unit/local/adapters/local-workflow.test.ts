import { describe, expect, it } from "vitest";
import { LocalWorkflow } from "../../../../local/adapters/local-workflow.ts";

describe("LocalWorkflow", () => {
  it("runs an execution once per name and describes it while running and after", async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const inputs: unknown[] = [];
    const workflow = new LocalWorkflow(async (name, input) => {
      inputs.push(input);
      await released;
      return { done: name };
    });
    expect(await workflow.start({ name: "run-a", input: { n: 1 } })).toEqual({ executionId: "run-a", alreadyStarted: false });
    expect(await workflow.start({ name: "run-a", input: { n: 2 } })).toEqual({ executionId: "run-a", alreadyStarted: true });
    expect(await workflow.describe("run-a")).toEqual({ status: "RUNNING" });
    release();
    expect(await workflow.wait("run-a")).toEqual({ status: "SUCCEEDED", output: { done: "run-a" } });
    expect(await workflow.describe("run-a")).toEqual({ status: "SUCCEEDED", output: { done: "run-a" } });
    expect(inputs).toEqual([{ n: 1 }]);
  });

  it("reports a failed execution with its error", async () => {
    const workflow = new LocalWorkflow(async () => {
      throw Object.assign(new Error("no manifest"), { name: "States.TaskFailed" });
    });
    await workflow.start({ name: "run-b", input: {} });
    expect(await workflow.wait("run-b")).toEqual({ status: "FAILED", error: "States.TaskFailed: no manifest" });
  });

  it("says so when asked about an execution it never started", async () => {
    await expect(new LocalWorkflow(async () => ({})).describe("run-x")).rejects.toThrow("no execution named run-x");
  });
});
