import aslValidator from "asl-validator";
import { StateMachine } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import { executionPrefix } from "../../../functions/core/lake-keys.ts";
import { pipelineDefinition } from "../../../local/runtime/pipeline.ts";
import { TEST_RUN_SETTINGS } from "../../support/run-fixtures.ts";

type State = Record<string, unknown> & { Parameters?: Record<string, unknown> };
const definition = pipelineDefinition() as unknown as {
  States: Record<string, State & { ItemProcessor?: { States: Record<string, State> } }>;
};
const perShard = definition.States.ScoreShards?.ItemProcessor?.States ?? {};
const scoreShard = perShard.ScoreShard as State & { Parameters: Record<string, any> };

/** Evaluates the ScoreShard's job name expression the way Step Functions does, for a shard and an attempt. */
async function jobName(executionName: string, index: number, attempt: number): Promise<string> {
  const machine = new StateMachine({
    StartAt: "Name",
    States: { Name: { Type: "Pass", Parameters: { "name.$": scoreShard.Parameters["ProcessingJobName.$"] }, End: true } },
  });
  const { result } = machine.run({ shard: { index }, retry: { attempt } }, { context: { Execution: { Name: executionName } } });
  return ((await result) as { name: string }).name;
}

// What Step Functions raises for createProcessingJob.sync (docs/workflow-errors.md has the sources): API errors
// of SageMaker under one name, the error code in the cause; a job that ran and failed as States.TaskFailed, with
// DescribeProcessingJob's answer as the cause.
const apiError = (code: string, status = 400) =>
  Object.assign(new Error(`${code} message (Service: AmazonSageMaker; Status Code: ${status}; Error Code: ${code}; Request ID: r1)`), {
    name: "SageMaker.AmazonSageMakerException",
  });
const failedJob = (failureReason: string) =>
  Object.assign(new Error(JSON.stringify({ ProcessingJobStatus: "Failed", FailureReason: failureReason })), { name: "States.TaskFailed" });
const timeout = () => Object.assign(new Error("the task timed out"), { name: "States.Timeout" });

/**
 * Runs one shard's states (the Map's iteration) with ScoreShard failing as `errors` says, attempt by attempt
 * (then succeeding), and the waits at 0: the job names it tried and where the shard ended.
 */
async function scoreWith(errors: (() => Error)[]): Promise<{ names: string[]; status: string; error?: string }> {
  const names: string[] = [];
  const machine = new StateMachine({ StartAt: "CheckCheckpoint", States: perShard } as never);
  const { result } = machine.run(
    {
      run_id: "run-a",
      bucket: "lake",
      job: TEST_RUN_SETTINGS.job,
      shard: { index: 3, shard_id: "run-a-3", shard_key: "runs/run-a/shards/3.parquet", scores_prefix: "runs/run-a/scores/3/" },
      retry: { attempt: 0, capacity: 0, failed: 0 },
    },
    {
      overrides: {
        taskResourceLocalHandlers: {
          CheckCheckpoint: async () => Promise.reject(Object.assign(new Error("Not Found"), { name: "S3.NoSuchKeyException" })),
          EnsureCheckpointPrefix: async () => ({}),
          ScoreShard: async (parameters: { ProcessingJobName: string }) => {
            names.push(parameters.ProcessingJobName);
            const error = errors[names.length - 1];
            if (error) throw error();
            return {};
          },
          RecordShardFailed: async (parameters: { Body: { error: string } }) => ({ error: parameters.Body.error }),
        } as never,
        retryIntervalOverrides: { CheckCheckpoint: 0, EnsureCheckpointPrefix: 0, RecordShardFailed: 0 },
        waitTimeOverrides: { WaitBeforeRetry: 0 },
      },
      context: { Execution: { Name: "run-a" } },
    },
  );
  const output = (await result) as { status: string };
  return { names, status: output.status };
}

/** The waits a back-off state picks, `runs` times, for the given counts so far, as Step Functions evaluates it. */
async function waitsOf(state: "BackOffForCapacity" | "BackOffAfterFailedJob", retry: { capacity: number; failed: number }, runs = 40) {
  const { Next: _next, ...backOff } = perShard[state] as State;
  const machine = new StateMachine({ StartAt: state, States: { [state]: { ...backOff, End: true } } } as never);
  const input = { retry: { attempt: retry.capacity + retry.failed, ...retry } };
  const outputs = await Promise.all(Array.from({ length: runs }, () => machine.run(input).result));
  return outputs.map((output) => (output as { retry: { wait_seconds: number } }).retry.wait_seconds);
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
    expect(definition.States.ScoreShards?.ItemSelector).toMatchObject({
      "run_id.$": "$.run_id",
      "bucket.$": "$.bucket",
      "job.$": "$.job",
      "shard.$": "$$.Map.Item.Value",
    });
    expect(definition.States.FinalizeRun?.Resource).toBe("${FinalizeRunFunctionArn}");
    expect(definition.States.MergeRun?.Resource).toBe("${MergeFunctionArn}");
    expect(definition.States.ReportRun?.Resource).toBe("${ReportFunctionArn}");
    const refresh = definition.States.RefreshPartitions as State & { ItemProcessor: { States: Record<string, State> } };
    expect(refresh).toMatchObject({ Type: "Map", ItemsPath: "$.merge.refresh_statements", MaxConcurrency: 1, ResultPath: null });
    expect(refresh.ItemProcessor.States.ReadRefreshStatement?.Resource).toBe("arn:aws:states:::aws-sdk:s3:getObject");
    expect(refresh.ItemProcessor.States.RegisterPartitions?.Resource).toBe("arn:aws:states:::athena:startQueryExecution.sync");
    expect(JSON.stringify(definition)).not.toMatch(/MSCK/i);
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
    // Step Functions writes under <prefix>/<map run id>/
    expect(`${((await result) as { prefix: string }).prefix}/`).toBe(executionPrefix("run-a", "run-a-replay-1"));
  });

  it("runs the GPU job isolated from the network, bounded in time, uploading chunks as it writes them", () => {
    expect(scoreShard.Resource).toBe("arn:aws:states:::sagemaker:createProcessingJob.sync");
    const p = scoreShard.Parameters;
    expect(p.NetworkConfig).toEqual({ EnableNetworkIsolation: true });
    expect(p.StoppingCondition).toEqual({ "MaxRuntimeInSeconds.$": "$.job.max_runtime_seconds" });
    expect(p.ProcessingOutputConfig.Outputs[0].S3Output.S3UploadMode).toBe("Continuous");
    // The image's entrypoint runs, with its CUDA forward-compatibility step (gpu-job/Dockerfile).
    expect(p.AppSpecification.ContainerEntrypoint).toBeUndefined();
    expect(p.AppSpecification.ContainerArguments.slice(-2)).toEqual(["--failure-file", "/opt/ml/output/message"]);
    expect(p.ProcessingInputs.map((i: { InputName: string }) => i.InputName)).toEqual(["shard", "model", "checkpoint"]);
    expect(p.Environment).toEqual({
      "GOLDPIPE_RUN_ID.$": "$.run_id",
      "GOLDPIPE_SHARD_ID.$": "$.shard.shard_id",
      "GOLDPIPE_CHUNK_ROWS.$": "States.Format('{}', $.job.chunk_rows)",
      "GOLDPIPE_INSTANCE_TYPE.$": "$.job.instance_type",
      "GOLDPIPE_IMAGE_URI.$": "$.job.image_uri",
    });
    expect(scoreShard.TimeoutSeconds).toBeGreaterThan(5 * 24 * 3600);
  });

  describe("a failed ScoreShard", () => {
    const times = (n: number, error: () => Error) => Array.from({ length: n }, () => error);

    it("waits patiently for capacity: the account's quota, throttling, or a started job that found no instance", async () => {
      for (const error of [
        () => apiError("ResourceLimitExceeded"),
        () => apiError("ThrottlingException"),
        () =>
          failedJob("CapacityError: Unable to provision requested ML compute capacity. Please retry using a different ML instance type."),
      ]) {
        expect(await scoreWith(times(4, error))).toMatchObject({ status: "succeeded", names: expect.any(Array) });
        const { names, status } = await scoreWith(times(20, error));
        expect(status).toBe("failed");
        expect(names).toHaveLength(11);
      }
    });

    it("tries a job that failed on its own (or SageMaker's 5xx) three more times, each a new job that resumes", async () => {
      for (const error of [() => failedJob("AlgorithmError: See job logs for more information"), () => apiError("InternalFailure", 500)]) {
        const { names, status } = await scoreWith(times(20, error));
        expect(status).toBe("failed");
        expect(names).toHaveLength(4);
      }
      expect((await scoreWith(times(3, () => failedJob("InternalServerError: We encountered an internal error.")))).status).toBe(
        "succeeded",
      );
    });

    it("does not retry what would fail the same way: validation, a denied instance type, a ClientError, a timeout", async () => {
      for (const error of [
        () => apiError("ValidationException"),
        () => apiError("AccessDeniedException"),
        () => failedJob('ClientError: No S3 objects found under S3 URL "s3://lake/runs/run-a/shards/3.parquet"'),
        timeout,
      ]) {
        expect(await scoreWith(times(20, error))).toEqual({ names: [expect.stringMatching(/-3-0$/)], status: "failed" });
      }
    });

    it("counts capacity waits and failed jobs apart, and names every attempt's job anew", async () => {
      const errors = [...times(2, () => apiError("ResourceLimitExceeded")), ...times(3, () => failedJob("AlgorithmError: exit 137"))];
      const { names, status } = await scoreWith([...errors, ...times(2, () => apiError("ResourceLimitExceeded"))]);
      expect(status).toBe("succeeded");
      expect(names.map((n) => Number(n.split("-").at(-1)))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it("waits a random time up to a cap that doubles: 1 to 15 minutes for capacity, 15 to 60 s after a failed job", async () => {
      for (const [retry, cap] of [
        [{ capacity: 0, failed: 0 }, 60],
        [{ capacity: 3, failed: 1 }, 480],
        [{ capacity: 9, failed: 0 }, 900],
      ] as const) {
        const seen = await waitsOf("BackOffForCapacity", retry);
        expect(Math.min(...seen)).toBeGreaterThanOrEqual(1);
        expect(Math.max(...seen)).toBeLessThanOrEqual(cap);
        expect(new Set(seen).size).toBeGreaterThan(1);
      }
      const afterFailed = await waitsOf("BackOffAfterFailedJob", { capacity: 0, failed: 2 });
      expect(Math.max(...afterFailed)).toBeLessThanOrEqual(60);
      expect(new Set(afterFailed).size).toBeGreaterThan(1);
    });

    it("records the shard with its error and cause once it gives up", () => {
      expect(perShard.ClassifyScoreFailure).toMatchObject({ Default: "RecordShardFailed" });
      expect(scoreShard.Catch).toEqual([{ ErrorEquals: ["States.ALL"], ResultPath: "$.failure", Next: "ClassifyScoreFailure" }]);
      expect(scoreShard.Retry).toBeUndefined();
    });
  });

  it("runs a spot run's shards as managed-spot training jobs of the same container, resuming from the same checkpoints", async () => {
    const spot = perShard.ScoreShardOnSpot as State & { Parameters: Record<string, any> };
    expect(perShard.EnsureCheckpointPrefix?.Next).toBe("ChooseCapacity");
    expect(spot.Resource).toBe("arn:aws:states:::sagemaker:createTrainingJob.sync");
    const p = spot.Parameters;
    expect(p).toMatchObject({ EnableManagedSpotTraining: true, EnableNetworkIsolation: true });
    expect(p.StoppingCondition).toEqual({
      "MaxRuntimeInSeconds.$": "$.job.max_runtime_seconds",
      "MaxWaitTimeInSeconds.$": "$.job.max_wait_seconds",
    });
    expect(p.CheckpointConfig).toEqual({
      "S3Uri.$": "States.Format('s3://{}/{}', $.bucket, $.shard.scores_prefix)",
      LocalPath: "/opt/ml/checkpoints",
    });
    const args = p.AlgorithmSpecification.ContainerArguments as string[];
    expect(args[args.indexOf("--checkpoint-dir") + 1]).toBe("/opt/ml/checkpoints");
    expect(args[args.indexOf("--output-dir") + 1]).toBe("/opt/ml/checkpoints");
    // The image's own entry point, named (a training job would otherwise get "train" appended).
    expect(p.AlgorithmSpecification.ContainerEntrypoint).toEqual(["/usr/local/bin/entrypoint.sh", "python3", "-m", "goldpipe_scorer"]);
    expect(p.Environment).toEqual(scoreShard.Parameters.Environment);
    // One classification of failures for both paths, and its retries come back by capacity.
    expect(spot.Catch).toEqual(scoreShard.Catch);
    expect(perShard.WaitBeforeRetry?.Next).toBe("ChooseCapacity");
    expect(spot.Next).toBe("RecordSpotBilling");

    const pass = (went: string) => ({ Type: "Pass", Result: { went }, End: true });
    const route = async (job: Record<string, string>) => {
      const states = {
        ChooseCapacity: perShard.ChooseCapacity,
        ScoreShard: pass("ScoreShard"),
        ScoreShardOnSpot: pass("ScoreShardOnSpot"),
      };
      const machine = new StateMachine({ StartAt: "ChooseCapacity", States: states } as never);
      return ((await machine.run({ job }).result) as { went: string }).went;
    };
    expect(await route({ capacity: "spot" })).toBe("ScoreShardOnSpot");
    expect(await route({ capacity: "on-demand" })).toBe("ScoreShard");
    expect(await route({})).toBe("ScoreShard");
  });

  describe("processing job names", () => {
    it("stay within SageMaker's 63 characters and charset for the longest execution name, shard index and attempt", async () => {
      const name = await jobName("x".repeat(80), 99_999, 13);
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
