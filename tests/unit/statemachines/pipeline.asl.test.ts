import aslValidator from "asl-validator";
import { StateMachine } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import { executionPrefix } from "../../../functions/core/lake-keys.ts";
import { pipelineDefinition } from "../../../local/runtime/pipeline.ts";

type State = Record<string, unknown> & { Parameters?: Record<string, unknown> };
const definition = pipelineDefinition() as unknown as {
  States: Record<string, State & { ItemProcessor?: { States: Record<string, State> } }>;
};
const perShard = definition.States.ScoreShards?.ItemProcessor?.States ?? {};
const scoreShard = perShard.ScoreShard as State & { Parameters: Record<string, any> };

/** Evaluates the ScoreShard's job name expression the way Step Functions does, for a shard and an attempt. */
async function jobName(executionName: string, index: number, retryCount: number): Promise<string> {
  const machine = new StateMachine({
    StartAt: "Name",
    States: { Name: { Type: "Pass", Parameters: { "name.$": scoreShard.Parameters["ProcessingJobName.$"] }, End: true } },
  });
  const { result } = machine.run(
    { shard: { index } },
    { context: { Execution: { Name: executionName }, State: { RetryCount: retryCount } } },
  );
  return ((await result) as { name: string }).name;
}

describe("statemachines/pipeline.asl.yaml", () => {
  it("is valid Amazon States Language", () => {
    const { isValid, errorsText } = aslValidator(definition as never);
    expect(isValid, isValid ? "" : errorsText("\n")).toBe(true);
  });

  it("has the states contracts.md names, in order", () => {
    expect(Object.keys(definition.States)).toEqual([
      "ScoreShards",
      "FinalizeRun",
      "MergeRun",
      "NewPartitions",
      "RefreshPartitions",
      "ReportRun",
    ]);
    expect(Object.keys(perShard)).toEqual(
      expect.arrayContaining(["CheckCheckpoint", "EnsureCheckpointPrefix", "ScoreShard", "RecordShardFailed"]),
    );
    expect(definition.States.ScoreShards).toMatchObject({ MaxConcurrencyPath: "$.max_concurrency", ResultPath: null });
    expect(definition.States.ScoreShards?.ItemSelector).toEqual({
      "run_id.$": "$.run_id",
      "bucket.$": "$.bucket",
      "job.$": "$.job",
      "shard.$": "$$.Map.Item.Value",
    });
    expect(definition.States.FinalizeRun?.Resource).toBe("${FinalizeRunFunctionArn}");
    expect(definition.States.MergeRun?.Resource).toBe("${MergeFunctionArn}");
    expect(definition.States.ReportRun?.Resource).toBe("${ReportFunctionArn}");
    expect(definition.States.RefreshPartitions?.Resource).toBe("arn:aws:states:::athena:startQueryExecution.sync");
  });

  it("scores each shard in a child execution of a Distributed Map, so no run outgrows one execution's history", () => {
    const map = definition.States.ScoreShards as State & Record<string, any>;
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: "DISTRIBUTED", ExecutionType: "STANDARD" });
    // the shard list comes from the lake, the input carries only its key
    expect(map.ItemReader).toEqual({
      Resource: "arn:aws:states:::s3:getObject",
      ReaderConfig: { InputType: "JSON" },
      Parameters: { "Bucket.$": "$.bucket", "Key.$": "$.shard_list_key" },
    });
    expect(map.ItemsPath).toBeUndefined();
    expect(map.ResultWriter).toMatchObject({ Resource: "arn:aws:states:::s3:putObject", Parameters: { "Bucket.$": "$.bucket" } });
  });

  it("writes the Map's results beside the execution's shard list", async () => {
    const prefix = (definition.States.ScoreShards as Record<string, any>).ResultWriter.Parameters["Prefix.$"];
    const machine = new StateMachine({
      StartAt: "Prefix",
      States: { Prefix: { Type: "Pass", Parameters: { "prefix.$": prefix }, End: true } },
    });
    const { result } = machine.run({ run_id: "run-a" }, { context: { Execution: { Name: "run-a-replay-1" } } });
    expect(((await result) as { prefix: string }).prefix).toBe(executionPrefix("run-a", "run-a-replay-1"));
  });

  it("runs the GPU job isolated from the network, bounded in time, uploading chunks as it writes them", () => {
    expect(scoreShard.Resource).toBe("arn:aws:states:::sagemaker:createProcessingJob.sync");
    const p = scoreShard.Parameters;
    expect(p.NetworkConfig).toEqual({ EnableNetworkIsolation: true });
    expect(p.StoppingCondition).toEqual({ "MaxRuntimeInSeconds.$": "$.job.max_runtime_seconds" });
    expect(p.ProcessingOutputConfig.Outputs[0].S3Output.S3UploadMode).toBe("Continuous");
    expect(p.AppSpecification.ContainerEntrypoint).toEqual(["python3", "-m", "goldpipe_scorer"]);
    expect(p.ProcessingInputs.map((i: { InputName: string }) => i.InputName)).toEqual(["shard", "model", "checkpoint"]);
    expect(Object.keys(p.Environment)).toEqual(["GOLDPIPE_RUN_ID.$", "GOLDPIPE_SHARD_ID.$", "GOLDPIPE_CHUNK_ROWS.$"]);
    expect(scoreShard.TimeoutSeconds).toBeGreaterThan(5 * 24 * 3600);
  });

  it("retries capacity errors with jittered backoff before the few attempts on a failed job, then records the shard", () => {
    const [capacity, failedJob] = scoreShard.Retry as { ErrorEquals: string[]; JitterStrategy: string; MaxAttempts: number }[];
    expect(capacity?.ErrorEquals).toEqual(
      expect.arrayContaining(["SageMaker.ResourceLimitExceeded", "SageMaker.ThrottlingException", "SageMaker.AmazonSageMakerException"]),
    );
    expect(capacity?.JitterStrategy).toBe("FULL");
    expect(failedJob).toMatchObject({ ErrorEquals: ["States.TaskFailed"], JitterStrategy: "FULL", MaxAttempts: 3 });
    expect(scoreShard.Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "RecordShardFailed" }]);
  });

  describe("processing job names", () => {
    it("stay within SageMaker's 63 characters and charset for the longest execution name, shard index and retry count", async () => {
      const name = await jobName("x".repeat(80), 99_999, 10);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    });

    it("differ per attempt, per shard and per execution, and repeat for the same ones", async () => {
      const run = "run-0123456789abcdef";
      const names = [await jobName(run, 1, 0), await jobName(run, 1, 1), await jobName(run, 2, 0), await jobName(`${run}-replay-1`, 1, 0)];
      expect(new Set(names).size).toBe(4);
      expect(await jobName(run, 1, 0)).toBe(names[0]);
    });
  });
});
