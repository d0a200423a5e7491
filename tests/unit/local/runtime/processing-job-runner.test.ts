import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ObjectStore } from "../../../../functions/core/ports.ts";
import { parseChaos } from "../../../../local/runtime/chaos.ts";
import {
  SageMakerJobFailedError,
  ProcessingJobRunner,
  ProcessingJobStoppedError,
  type ProcessingJobRunnerOptions,
  type ShardJobProgress,
} from "../../../../local/runtime/processing-job-runner.ts";
import { FAKE_SCORER } from "../../../support/fake-scorer.ts";
import { DirectoryObjectStore } from "../../../../local/adapters/directory-object-store.ts";
import { processExists } from "../../../../local/runtime/process-exists.ts";
import { until } from "../../../support/until.ts";

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

/** The pid of the fake job once it has started (it writes it to STARTED_MARKER). */
async function startedJob(): Promise<number> {
  let pid = Number.NaN;
  await until(async () => {
    pid = Number((await readFile(marker, "utf8").catch(() => "")).trim());
    return pid > 0;
  }, "the job to start");
  return pid;
}

/** Job directories under the temporary folder: this process's, or any in a folder of the test's own. */
async function jobDirectories(tmp?: string): Promise<string[]> {
  const prefix = tmp === undefined ? `goldpipe-job-${process.pid}-` : "goldpipe-job-";
  return (await readdir(tmp ?? os.tmpdir())).filter((name) => name.startsWith(prefix));
}

async function failure(promise: Promise<unknown>): Promise<SageMakerJobFailedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SageMakerJobFailedError);
  return error as SageMakerJobFailedError;
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

  it("runs the training job shape: channels under /opt/ml/input/data, the checkpoint folder synced from and to the lake", async () => {
    const { AppSpecification, Environment, StoppingCondition } = request();
    const training = {
      TrainingJobName: "gs-0123456789abcdef0123456789abcdef-1-0",
      AlgorithmSpecification: {
        TrainingImage: AppSpecification.ImageUri,
        TrainingInputMode: "File",
        ContainerEntrypoint: ["/usr/local/bin/entrypoint.sh", "python3", "-m", "goldpipe_scorer"],
        ContainerArguments: [
          ...["--shard-dir", "/opt/ml/input/data/shard", "--model-dir", "/opt/ml/input/data/model"],
          ...["--checkpoint-dir", "/opt/ml/checkpoints", "--output-dir", "/opt/ml/checkpoints", "--failure-file", "/opt/ml/output/failure"],
        ],
      },
      Environment,
      InputDataConfig: [
        { ChannelName: "shard", DataSource: { S3DataSource: { S3Uri: "s3://goldpipe-local/runs/run-a/shards/1.parquet" } } },
        { ChannelName: "model", DataSource: { S3DataSource: { S3Uri: pathToFileURL(path.join(dir, "model")).href } } },
      ],
      CheckpointConfig: { S3Uri: "s3://goldpipe-local/runs/run-a/scores/1/", LocalPath: "/opt/ml/checkpoints" },
      StoppingCondition: { ...StoppingCondition, MaxWaitTimeInSeconds: 120 },
      EnableManagedSpotTraining: true,
    };

    const described = await runner().runTraining(training);

    expect(described).toMatchObject({ TrainingJobName: training.TrainingJobName, TrainingJobStatus: "Completed" });
    expect(described.TrainingTimeInSeconds).toBeGreaterThanOrEqual(1);
    expect(described.BillableTimeInSeconds).toBe(described.TrainingTimeInSeconds);
    const given = await lakeText("runs/run-a/scores/1/given.txt");
    expect(given).toContain("shard_files=1.parquet\n");
    expect(given).toMatch(/checkpoint_files=\.checkpoint .*part-old-00000\.parquet/);
    expect(given).toContain("model=tiny");
    expect(await lakeText("runs/run-a/scores/1/_SUCCESS")).toBe("");
    // the earlier chunk and this job's two, counted once though the folder is both input and output
    expect(progress.at(-1)).toMatchObject({ chunks: 3 });
  });

  it("stops its running jobs when told to: the job's processes end, its directory goes, and no new job starts", async () => {
    process.env.FAKE_JOB = "sleep";
    process.env.STARTED_MARKER = marker;
    try {
      const jobs = runner();
      const running = jobs.run(request());
      const pid = await startedJob();
      await jobs.stop();
      await expect(running).rejects.toBeInstanceOf(ProcessingJobStoppedError);
      expect(processExists(pid)).toBe(false);
      expect(await jobDirectories()).toEqual([]);
      await expect(jobs.run(request())).rejects.toThrow("the local runner is stopping: no new job starts");
    } finally {
      delete process.env.FAKE_JOB;
      delete process.env.STARTED_MARKER;
    }
  });

  it("ends a job whose goldpipe process was killed outright (kill -9), and removes its directory", async () => {
    const script = path.join(dir, "parent.ts");
    await writeFile(
      script,
      [
        `import { ProcessingJobRunner } from ${JSON.stringify(path.resolve("local/runtime/processing-job-runner.ts"))};`,
        `import { DirectoryObjectStore } from ${JSON.stringify(path.resolve("local/adapters/directory-object-store.ts"))};`,
        `const store = new DirectoryObjectStore(${JSON.stringify(path.join(dir, "lake"))});`,
        `const runner = new ProcessingJobRunner({ store, bucket: "goldpipe-local", python: ${JSON.stringify(fakePython)} });`,
        `await runner.run(${JSON.stringify(request())});`,
      ].join("\n"),
    );
    const parent = spawn(process.execPath, [script], {
      env: { ...process.env, FAKE_JOB: "sleep", STARTED_MARKER: marker, TMPDIR: dir },
      stdio: "ignore",
    });
    const pid = await startedJob();
    expect(await jobDirectories(dir)).toHaveLength(1);
    parent.kill("SIGKILL");
    await until(() => !processExists(pid), "the orphaned job to end");
    await until(async () => (await jobDirectories(dir)).length === 0, "its directory to go");
  });

  it("refuses S3 URIs outside the lake's bucket", async () => {
    const outside = request();
    outside.ProcessingInputs[0]!.S3Input.S3Uri = "s3://someone-else/runs/run-a/shards/1.parquet";
    await expect(runner().run(outside)).rejects.toThrow("is not in the local lake's bucket s3://goldpipe-local/");
  });
});
