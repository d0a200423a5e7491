import { ListProcessingJobsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { processingJobPrefix, SageMakerProcessingJobs } from "../../../functions/aws/processing-jobs.ts";
import { StepFunctionsWorkflow } from "../../../functions/aws/step-functions-workflow.ts";
import type { RunManifest } from "../../../functions/core/manifest.ts";
import { runProgressOnAws } from "../../../local/aws-run-progress.ts";

const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:goldpipe-dev-pipeline";
const sfn = mockClient(SFNClient);
const sagemaker = mockClient(SageMakerClient);
const stack = {
  target: { stateMachineArn: STATE_MACHINE },
  workflow: new StepFunctionsWorkflow(new SFNClient({ region: "us-east-1" }), STATE_MACHINE),
  processingJobs: new SageMakerProcessingJobs(new SageMakerClient({ region: "us-east-1" })),
};

const manifest: RunManifest = {
  run_id: "run-0123456789abcdef",
  created_at: "2026-03-02T14:00:00.000Z",
  trigger: "schedule",
  status: "Sealed",
  shard_size: 5000,
  segments: ["s1"],
  sources: [],
  rows: 9000,
  duplicates: 0,
  shards: [0, 1].map((index) => ({
    index,
    shard_id: `run-0123456789abcdef-${index}`,
    key: `runs/run-0123456789abcdef/shards/${index}.parquet`,
    rows: 4500,
    status: "pending" as const,
    error: null,
  })),
  executions: ["run-0123456789abcdef", "run-0123456789abcdef-replay-1"],
  finished_at: null,
};
const LATEST = "arn:aws:states:us-east-1:123456789012:execution:goldpipe-dev-pipeline:run-0123456789abcdef-replay-1";

beforeEach(() => {
  sfn.reset();
  sagemaker.reset();
});

describe("runProgressOnAws", () => {
  it("describes the run's latest execution and each shard's latest GPU job in it", async () => {
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: LATEST, stateMachineArn: STATE_MACHINE, status: "RUNNING", startDate: new Date() });
    const prefix = processingJobPrefix("run-0123456789abcdef-replay-1");
    sagemaker.on(ListProcessingJobsCommand).resolves({
      ProcessingJobSummaries: [
        { ProcessingJobName: `${prefix}1-0`, ProcessingJobStatus: "Failed", FailureReason: "CapacityError", ProcessingJobArn: "a", CreationTime: new Date(0) },
        { ProcessingJobName: `${prefix}1-1`, ProcessingJobStatus: "InProgress", ProcessingJobArn: "b", CreationTime: new Date(0) },
      ],
    });

    const progress = await runProgressOnAws(stack, manifest);

    expect(progress.execution).toEqual({ name: "run-0123456789abcdef-replay-1", arn: LATEST, status: "RUNNING", error: null });
    expect([...progress.jobs.keys()]).toEqual([1]);
    expect(progress.jobs.get(1)).toMatchObject({ attempt: 1, status: "InProgress" });
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({ executionArn: LATEST });
    expect(sagemaker.commandCalls(ListProcessingJobsCommand)[0]?.args[0].input).toEqual({ NameContains: prefix, MaxResults: 100 });
  });

  it("says so when the manifest's execution was never started", async () => {
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: "Execution Does Not Exist", $metadata: {} }));
    sagemaker.on(ListProcessingJobsCommand).resolves({ ProcessingJobSummaries: [] });

    const progress = await runProgressOnAws(stack, manifest);

    expect(progress.execution).toMatchObject({ status: "NOT_FOUND", error: "no such execution: seal again to start it" });
    expect(progress.jobs.size).toBe(0);
  });
});
