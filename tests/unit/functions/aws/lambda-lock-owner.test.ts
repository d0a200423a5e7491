import { describe, expect, it } from "vitest";
import { lambdaLockingPorts } from "../../../../functions/aws/lambda-lock-owner.ts";
import type { ExecutionDescription, ObjectStore, Workflow } from "../../../../functions/core/ports.ts";

const workflow = (status: ExecutionDescription["status"] | Error): Workflow => ({
  start: async () => ({ executionId: "arn", alreadyStarted: false }),
  describe: async () => {
    if (status instanceof Error) throw status;
    return { status };
  },
});
const context = { functionName: "goldpipe-prod-seal", awsRequestId: "req-7", getRemainingTimeInMillis: () => 120_000 };

describe("lambdaLockingPorts", () => {
  it("names the invocation as the holder, and lets its locks expire a minute after the Lambda must have stopped", () => {
    const ports = lambdaLockingPorts({ store: {} as ObjectStore, workflow: workflow("RUNNING") }, context);
    expect(ports.owner).toMatchObject({ holder: { name: "Lambda goldpipe-prod-seal (request req-7)" }, ttlMs: 180_000 });
  });

  it("takes a holder naming an execution for alive while it runs, for gone once it ended, and leaves others to the expiry", async () => {
    const liveness = (status: ExecutionDescription["status"] | Error) =>
      lambdaLockingPorts({ store: {} as ObjectStore, workflow: workflow(status) }, context).owner!.liveness!;
    const execution = { name: "execution run-1", execution: "arn:aws:states:us-east-1:1:execution:goldpipe:run-1" };
    expect(await liveness("RUNNING")(execution)).toBe(true);
    expect(await liveness("SUCCEEDED")(execution)).toBe(false);
    expect(await liveness("FAILED")(execution)).toBe(false);
    expect(await liveness(new Error("ExecutionDoesNotExist"))(execution)).toBeUndefined();
    expect(await liveness("RUNNING")({ name: "Lambda goldpipe-prod-seal (request req-6)" })).toBeUndefined();
  });
});
