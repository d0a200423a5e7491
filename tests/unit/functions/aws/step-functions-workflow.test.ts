import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { executionArnFor, StepFunctionsWorkflow } from "../../../../functions/aws/step-functions-workflow.ts";

const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:goldpipe-dev-pipeline";
const EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:goldpipe-dev-pipeline:run-20260301-abc";

const sfn = mockClient(SFNClient);
const workflow = new StepFunctionsWorkflow(new SFNClient({ region: "us-east-1" }), STATE_MACHINE);

beforeEach(() => sfn.reset());

describe("StepFunctionsWorkflow.start", () => {
  it("starts an execution named after the run with the input as JSON", async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });

    const started = await workflow.start({ name: "run-20260301-abc", input: { run_id: "run-20260301-abc", shards: [] } });

    expect(started).toEqual({ executionId: EXECUTION, alreadyStarted: false });
    expect(sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input)).toEqual([
      { stateMachineArn: STATE_MACHINE, name: "run-20260301-abc", input: '{"run_id":"run-20260301-abc","shards":[]}' },
    ]);
  });

  it("answers alreadyStarted with the existing execution's ARN when the name was used before", async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: "Execution Already Exists", $metadata: {} }));

    await expect(workflow.start({ name: "run-20260301-abc", input: {} })).resolves.toEqual({
      executionId: EXECUTION,
      alreadyStarted: true,
    });
  });

  it("lets every other error through", async () => {
    sfn.on(StartExecutionCommand).rejects(new Error("AccessDeniedException: not authorized"));

    await expect(workflow.start({ name: "run-1", input: {} })).rejects.toThrow("AccessDeniedException");
  });
});

describe("StepFunctionsWorkflow.describe", () => {
  it("returns a finished execution's status and parsed output", async () => {
    sfn.on(DescribeExecutionCommand, { executionArn: EXECUTION }).resolves({
      executionArn: EXECUTION,
      stateMachineArn: STATE_MACHINE,
      status: "SUCCEEDED",
      startDate: new Date(),
      output: '{"run_id":"run-20260301-abc","status":"Succeeded"}',
    });

    await expect(workflow.describe(EXECUTION)).resolves.toEqual({
      status: "SUCCEEDED",
      output: { run_id: "run-20260301-abc", status: "Succeeded" },
    });
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({ executionArn: EXECUTION });
  });

  it("joins a failed execution's error and cause", async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: EXECUTION,
      stateMachineArn: STATE_MACHINE,
      status: "FAILED",
      startDate: new Date(),
      error: "States.TaskFailed",
      cause: "merge ran out of memory",
    });

    await expect(workflow.describe(EXECUTION)).resolves.toEqual({
      status: "FAILED",
      error: "States.TaskFailed: merge ran out of memory",
    });
  });

  it("reports an execution waiting for a redrive as running", async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: EXECUTION,
      stateMachineArn: STATE_MACHINE,
      status: "PENDING_REDRIVE",
      startDate: new Date(),
    });

    await expect(workflow.describe(EXECUTION)).resolves.toEqual({ status: "RUNNING" });
  });
});

describe("executionArnFor", () => {
  it("rejects what is not a state machine ARN", () => {
    expect(() => executionArnFor("arn:aws:lambda:us-east-1:123456789012:function:merge", "x")).toThrow("is not a state machine ARN");
  });
});
