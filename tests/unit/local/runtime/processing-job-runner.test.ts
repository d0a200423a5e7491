import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ObjectStore } from "../../../../functions/core/ports.ts";
import { parseChaos } from "../../../../local/runtime/chaos.ts";
import {
  ProcessingJobFailedError,
  ProcessingJobRunner,
  type ProcessingJobRunnerOptions,
  type ShardJobProgress,
} from "../../../../local/runtime/processing-job-runner.ts";
import { FAKE_SCORER } from "../../../support/fake-scorer.ts";
import { DirectoryObjectStore } from "../../../../local/adapters/directory-object-store.ts";

let dir: string;
let store: ObjectStore;
let fakePython: string;
let marker: string;
let progress: ShardJobProgress[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-runner-test-"));
  store = new DirectoryObjectStore(path.join(dir, "lake"));
  fakePython = path.join(dir, "fake-python");
  await writeFile(fakePython, FAKE_SCORER);
  await chmod(fakePython, 0o755);
  marker = path.join(dir, "started");
  await mkdir(path.join(dir, "model"));
  await writeFile(path.join(dir, "model", "config.json"), "tiny");
  await store.put("runs/run-a/shards/1.parquet", "shard one");
  await store.put("runs/run-a/shards/10.parquet", "shard ten");
  await store.put("runs/run-a/scores/1/.checkpoint", "");
  await store.put("runs/run-a/scores/1/part-old-00000.parquet", "chunk");
  progress = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function runner(options: Partial<ProcessingJobRunnerOptions> = {}) {
  return new ProcessingJobRunner({
    store,
    bucket: "goldpipe-local",
    python: fakePython,
    shardIndexOf: (shardId) => (shardId === "run-a-1" ? 1 : undefined),
    onProgress: (p) => progress.push(p),
    ...options,
  });
}

/** The CreateProcessingJob parameters ScoreShard resolves for shard 1 of run-a. */
function request(overrides: { maxRuntime?: number; shardKey?: string } = {}) {
  const local = (p: string) => `/opt/ml/processing/${p}`;
  return {
    ProcessingJobName: "gp-0123456789abcdef0123456789abcdef-1-0",
    RoleArn: "arn:aws:iam::000000000000:role/goldpipe-local-job",
    AppSpecification: {
      ImageUri: "goldpipe-scorer:local",
      ContainerArguments: [
        "--shard-dir",
        local("input/shard"),
        "--model-dir",
        local("input/model"),
        "--checkpoint-dir",
        local("input/checkpoint"),
        "--output-dir",
        local("output/scores"),
        "--failure-file",
        "/opt/ml/output/message",
      ],
    },
    Environment: { GOLDPIPE_RUN_ID: "run-a", GOLDPIPE_SHARD_ID: "run-a-1", GOLDPIPE_CHUNK_ROWS: "100" },
    ProcessingInputs: [
      {
        InputName: "shard",
        S3Input: { S3Uri: `s3://goldpipe-local/${overrides.shardKey ?? "runs/run-a/shards/1.parquet"}`, LocalPath: local("input/shard") },
      },
      { InputName: "model", S3Input: { S3Uri: pathToFileURL(path.join(dir, "model")).href, LocalPath: local("input/model") } },
      { InputName: "checkpoint", S3Input: { S3Uri: "s3://goldpipe-local/runs/run-a/scores/1/", LocalPath: local("input/checkpoint") } },
    ],
    ProcessingOutputConfig: {
      Outputs: [
        {
          OutputName: "scores",
          S3Output: { S3Uri: "s3://goldpipe-local/runs/run-a/scores/1/", LocalPath: local("output/scores"), S3UploadMode: "Continuous" },
        },
      ],
    },
    StoppingCondition: { MaxRuntimeInSeconds: overrides.maxRuntime ?? 60 },
    NetworkConfig: { EnableNetworkIsolation: true },
  };
}

const lakeText = async (key: string) => (await store.get(key))?.toString("utf8");

async function failure(promise: Promise<unknown>): Promise<ProcessingJobFailedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProcessingJobFailedError);
  return error as ProcessingJobFailedError;
}

describe("ProcessingJobRunner", () => {
  it("lays out the job as SageMaker would, runs the entry point with its environment and uploads its outputs", async () => {
    const described = await runner().run(request());
    expect(described).toMatchObject({ ProcessingJobName: "gp-0123456789abcdef0123456789abcdef-1-0", ProcessingJobStatus: "Completed" });

    const given = await lakeText("runs/run-a/scores/1/given.txt");
    expect(given).toContain("run=run-a shard=run-a-1 crash_after=\n");
    // S3Prefix of one key: that object only, under its own name (not shard 10)
    expect(given).toContain("shard_files=1.parquet\n");
    expect(given).toContain("checkpoint_files=.checkpoint part-old-00000.parquet");
    expect(given).toContain("model=tiny");
    expect(given).not.toContain("unmapped");

    expect(await lakeText("runs/run-a/scores/1/part-new-00001.parquet")).toBe("chunk\n");
    expect(await lakeText("runs/run-a/scores/1/_SUCCESS")).toBe("");
    expect(progress.at(-1)).toEqual({ jobName: "gp-0123456789abcdef0123456789abcdef-1-0", shardId: "run-a-1", chunks: 3 });
  });

  it("fails as .sync reports it, with the job's /opt/ml/output/message as the ExitMessage", async () => {
    process.env.FAKE_JOB = "fail";
    try {
      const error = await failure(runner().run(request()));
      expect(error.name).toBe("States.TaskFailed");
      expect(error.failureReason).toBe("the model directory has no tokenizer");
      expect(JSON.parse(error.message)).toEqual({
        ProcessingJobName: "gp-0123456789abcdef0123456789abcdef-1-0",
        ProcessingJobStatus: "Failed",
        FailureReason: "AlgorithmError: the job exited with code 1",
        ExitMessage: "the model directory has no tokenizer",
      });
    } finally {
      delete process.env.FAKE_JOB;
    }
  });

  it("keeps the chunks a crashed job wrote, so the retry resumes from them", async () => {
    process.env.FAKE_JOB = "crash";
    try {
      const error = await failure(runner().run(request()));
      expect(error.failureReason).toMatch(/^AlgorithmError: the job exited with code 137: Killed after chunk 1/);
      expect(await lakeText("runs/run-a/scores/1/part-new-00000.parquet")).toBe("chunk\n");
      expect(await store.head("runs/run-a/scores/1/_SUCCESS")).toBeUndefined();
    } finally {
      delete process.env.FAKE_JOB;
    }
  });

  it("stops a job that outruns MaxRuntimeInSeconds", async () => {
    process.env.FAKE_JOB = "sleep";
    try {
      const error = await failure(runner().run(request({ maxRuntime: 1 })));
      expect(error.failureReason).toBe("MaxRuntimeExceeded: the job ran past MaxRuntimeInSeconds (1 s) and was stopped");
    } finally {
      delete process.env.FAKE_JOB;
    }
  });

  it("fails like SageMaker when an input prefix holds no object", async () => {
    const error = await failure(runner().run(request({ shardKey: "runs/run-a/shards/7.parquet" })));
    expect(error.failureReason).toMatch(
      /^ClientError: No S3 objects found under S3 URL "s3:\/\/goldpipe-local\/runs\/run-a\/shards\/7.parquet"/,
    );
  });

  it("under chaos, fails chosen attempts before they start, or makes them crash after K chunks", async () => {
    process.env.STARTED_MARKER = marker;
    try {
      const error = await failure(runner({ chaos: parseChaos("fail=1,shards=1") }).run(request()));
      expect(error.failureReason).toBe("GOLDPIPE_CHAOS failed attempt 1 of shard run-a-1 before it started");
      expect(await readFile(marker).catch(() => undefined)).toBeUndefined();

      await runner({ chaos: parseChaos("fail=1,after_chunks=2,shards=1") }).run(request());
      expect(await lakeText("runs/run-a/scores/1/given.txt")).toContain("crash_after=2\n");

      await runner({ chaos: parseChaos("fail=1,shards=3") }).run(request());
      expect(await lakeText("runs/run-a/scores/1/given.txt")).toContain("crash_after=\n");
    } finally {
      delete process.env.STARTED_MARKER;
    }
  });

  it("refuses S3 URIs outside the lake's bucket", async () => {
    const outside = request();
    outside.ProcessingInputs[0]!.S3Input.S3Uri = "s3://someone-else/runs/run-a/shards/1.parquet";
    await expect(runner().run(outside)).rejects.toThrow("is not in the local lake's bucket s3://goldpipe-local/");
  });
});
