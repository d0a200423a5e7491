import { spawn, type ChildProcess } from "node:child_process";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, stat, symlink } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { BadInputError } from "../../functions/core/errors.ts";
import type { ObjectStore } from "../../functions/core/ports.ts";
import { chaosVerdict, spotInterruption, type Chaos, type ChaosVerdict } from "./chaos.ts";
import { makeTemporaryFolder } from "../../functions/core/temporary-folder.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Each job runs under it, so that it ends with this process whatever way this one ends. */
const JOB_SUPERVISOR = fileURLToPath(new URL("./job-supervisor.ts", import.meta.url));
/** gpu-job's Python package, put on PYTHONPATH as the image's /opt/program. */
export const GPU_JOB_DIR = path.join(REPO_ROOT, "gpu-job");
/** SageMaker's root inside the container; the runner maps it to the job's directory. */
const CONTAINER_ROOT = "/opt/ml/";
/** DescribeProcessingJob's FailureReason holds at most this many characters. */
const FAILURE_REASON_CHARS = 1024;
/** How often a running job's output directory is uploaded, as S3UploadMode Continuous does. */
const UPLOAD_INTERVAL_MS = 200;
/** How long the job's stderr may stay open after it exited. */
const STDERR_DRAIN_MS = 500;

/** The gpu-job image's ENTRYPOINT (gpu-job/Dockerfile) as run here: the CUDA compat wrapper has nothing to do on this machine. */
const IMAGE_ENTRYPOINT = ["python3", "-m", "goldpipe_scorer"];
/** The image's CUDA compat wrapper, which a training job names in its ContainerEntrypoint. */
const IMAGE_WRAPPER = "/usr/local/bin/entrypoint.sh";
/** The job's success checkpoint, beside its chunks. */
const SUCCESS_FILE = "_SUCCESS";
/** Where the container leaves its failure reason; DescribeProcessingJob shows its first 1 KB as ExitMessage. */
const EXIT_MESSAGE_FILE = "/opt/ml/output/message";

/** The CreateProcessingJob request, as the ScoreShard state resolves it: the fields the local runner acts on. */
export const ProcessingJobRequestSchema = z.object({
  ProcessingJobName: z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, "1–63 letters, digits and inner hyphens"),
  AppSpecification: z.object({
    ImageUri: z.string(),
    ContainerEntrypoint: z.array(z.string()).min(1).default(IMAGE_ENTRYPOINT),
    ContainerArguments: z.array(z.string()).default([]),
  }),
  Environment: z.record(z.string(), z.string()).default({}),
  ProcessingInputs: z.array(
    z.object({
      InputName: z.string(),
      S3Input: z.object({ S3Uri: z.string(), LocalPath: z.string().startsWith(CONTAINER_ROOT) }),
    }),
  ),
  ProcessingOutputConfig: z.object({
    Outputs: z.array(
      z.object({
        OutputName: z.string(),
        S3Output: z.object({ S3Uri: z.string(), LocalPath: z.string().startsWith(CONTAINER_ROOT) }),
      }),
    ),
  }),
  StoppingCondition: z.object({ MaxRuntimeInSeconds: z.number().int().positive() }),
});
export type ProcessingJobRequest = z.infer<typeof ProcessingJobRequestSchema>;

/** The CreateTrainingJob request, as the ScoreShardOnSpot state resolves it: the fields the local runner acts on. */
export const TrainingJobRequestSchema = z.object({
  TrainingJobName: z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, "1–63 letters, digits and inner hyphens"),
  AlgorithmSpecification: z.object({
    TrainingImage: z.string(),
    ContainerEntrypoint: z.array(z.string()).min(1).default(IMAGE_ENTRYPOINT),
    ContainerArguments: z.array(z.string()).default([]),
  }),
  Environment: z.record(z.string(), z.string()).default({}),
  InputDataConfig: z.array(z.object({ ChannelName: z.string(), DataSource: z.object({ S3DataSource: z.object({ S3Uri: z.string() }) }) })),
  CheckpointConfig: z.object({ S3Uri: z.string(), LocalPath: z.string().startsWith(CONTAINER_ROOT).default("/opt/ml/checkpoints") }),
  StoppingCondition: z.object({ MaxRuntimeInSeconds: z.number().int().positive(), MaxWaitTimeInSeconds: z.number().int().positive() }),
  EnableManagedSpotTraining: z.literal(true),
});
export type TrainingJobRequest = z.infer<typeof TrainingJobRequestSchema>;

/**
 * A failed job as the .sync integration reports it: Error States.TaskFailed, Cause the
 * Describe…Job answer as JSON: SageMaker's FailureReason and, when the container left one in its
 * message file, its ExitMessage. `failureReason` is what a person reads: the message, else the reason.
 */
/** A job stopped because the runner was told to stop (goldpipe run interrupted): not the job's failure. */
export class ProcessingJobStoppedError extends Error {
  override name = "ProcessingJobStoppedError";
}

export class SageMakerJobFailedError extends Error {
  override name = "States.TaskFailed";
  readonly failureReason: string;
  constructor(kind: "Processing" | "Training", jobName: string, failureReason: string, exitMessage?: string) {
    const reason = failureReason.slice(0, FAILURE_REASON_CHARS);
    const message = exitMessage?.slice(0, FAILURE_REASON_CHARS);
    super(
      JSON.stringify({
        [`${kind}JobName`]: jobName,
        [`${kind}JobStatus`]: "Failed",
        FailureReason: reason,
        ...(message && { ExitMessage: message }),
      }),
    );
    this.failureReason = message || reason;
  }
}

export interface ShardJobProgress {
  jobName: string;
  /** The job's GOLDPIPE_SHARD_ID. */
  shardId: string;
  /** Chunks in the shard's scores prefix: those of earlier attempts plus this one's uploaded so far. */
  chunks: number;
}

export interface ProcessingJobRunnerOptions {
  store: ObjectStore;
  /** The bucket the lake stands for: s3://<bucket>/<key> is the lake's <key>. */
  bucket: string;
  /** The interpreter that runs gpu-job; default $GOLDPIPE_PYTHON, else the repository's .venv. */
  python?: string;
  chaos?: Chaos;
  /** Which shard of the run a job scores, from its GOLDPIPE_SHARD_ID, for chaos's shards=. */
  shardIndexOf?: (shardId: string) => number | undefined;
  onProgress?: (progress: ShardJobProgress) => void;
  /** A spot job's container was interrupted (chaos); SageMaker restarts it from its checkpoint. */
  onInterrupted?: (interruption: { jobName: string; shardId: string; restart: number; reason: string }) => void;
}

/** What the runner needs of either job shape: the container, its inputs and outputs, its time limit. */
interface ContainerJob {
  kind: "Processing" | "Training";
  name: string;
  shardId: string;
  entrypoint: string[];
  arguments: string[];
  environment: Record<string, string>;
  /** Copied in before the container starts; `checkpoint` marks the earlier chunks, which may be absent only where `optional`. */
  inputs: { uri: string; localPath: string; checkpoint: boolean; optional: boolean }[];
  /** Uploaded while the container runs and after. */
  outputs: { uri: string; localPath: string }[];
  maxRuntimeSeconds: number;
  /** Where the container leaves its failure reason: Processing's /opt/ml/output/message, Training's /opt/ml/output/failure. */
  messageFile: string;
}

function processingJob(request: ProcessingJobRequest): ContainerJob {
  return {
    kind: "Processing",
    name: request.ProcessingJobName,
    shardId: request.Environment.GOLDPIPE_SHARD_ID ?? "",
    entrypoint: request.AppSpecification.ContainerEntrypoint,
    arguments: request.AppSpecification.ContainerArguments,
    environment: request.Environment,
    inputs: request.ProcessingInputs.map((input) => ({
      uri: input.S3Input.S3Uri,
      localPath: input.S3Input.LocalPath,
      checkpoint: input.InputName === "checkpoint",
      optional: false,
    })),
    outputs: request.ProcessingOutputConfig.Outputs.map((output) => ({ uri: output.S3Output.S3Uri, localPath: output.S3Output.LocalPath })),
    maxRuntimeSeconds: request.StoppingCondition.MaxRuntimeInSeconds,
    messageFile: "/opt/ml/output/message",
  };
}

/** A training job's channels land in /opt/ml/input/data/<channel>; its checkpoint folder is synced both ways. */
function trainingJob(request: TrainingJobRequest): ContainerJob {
  const checkpoint = request.CheckpointConfig;
  return {
    kind: "Training",
    name: request.TrainingJobName,
    shardId: request.Environment.GOLDPIPE_SHARD_ID ?? "",
    entrypoint: request.AlgorithmSpecification.ContainerEntrypoint,
    arguments: request.AlgorithmSpecification.ContainerArguments,
    environment: request.Environment,
    inputs: [
      ...request.InputDataConfig.map((channel) => ({
        uri: channel.DataSource.S3DataSource.S3Uri,
        localPath: `${CONTAINER_ROOT}input/data/${channel.ChannelName}`,
        checkpoint: false,
        optional: false,
      })),
      { uri: checkpoint.S3Uri, localPath: checkpoint.LocalPath, checkpoint: true, optional: true },
    ],
    outputs: [{ uri: checkpoint.S3Uri, localPath: checkpoint.LocalPath }],
    maxRuntimeSeconds: request.StoppingCondition.MaxRuntimeInSeconds,
    messageFile: "/opt/ml/output/failure",
  };
}

export const defaultPython = () => process.env.GOLDPIPE_PYTHON || path.join(REPO_ROOT, ".venv", "bin", "python");

/** Fails with a BadInputError saying how to get the interpreter when it is not there. */
export function assertPythonReady(python = defaultPython()): void {
  if (!existsSync(python)) {
    throw new BadInputError(
      `the GPU job's Python (${python}) is not there`,
      'run "make setup" once, or point GOLDPIPE_PYTHON at a Python with gpu-job/requirements.txt installed',
    );
  }
}

/**
 * Runs a SageMaker Processing job on this machine, as SageMaker would: a job directory standing
 * for /opt/ml, inputs copied from the lake (a file:// input, local only, is linked as it is), the
 * container's entry point run with gpu-job's real code and the given environment, outputs uploaded
 * while it runs and after, and a failure reported with the reason the job wrote.
 */
export class ProcessingJobRunner {
  readonly #options: ProcessingJobRunnerOptions;
  /** Attempts seen per shard (GOLDPIPE_SHARD_ID) in this execution, for chaos. */
  readonly #attempts = new Map<string, number>();
  /** Jobs running now (their supervisors), and every run() not yet settled. */
  readonly #jobs = new Set<ChildProcess>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #stopped = false;

  constructor(options: ProcessingJobRunnerOptions) {
    this.#options = options;
  }

  /** Stops every job running now and refuses new ones; resolves once each has ended and its job directory is gone. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const job of this.#jobs) job.kill("SIGTERM");
    await Promise.allSettled([...this.#inFlight]);
  }

  /** The job's work, counted in flight until it settles, so that stop() can wait for it. */
  #track<T>(running: Promise<T>): Promise<T> {
    this.#inFlight.add(running);
    const settled = () => this.#inFlight.delete(running);
    running.then(settled, settled);
    return running;
  }

  run(parameters: unknown): Promise<{ ProcessingJobName: string; ProcessingJobArn: string; ProcessingJobStatus: "Completed" }> {
    return this.#track(this.#runProcessing(parameters));
  }

  async #runProcessing(
    parameters: unknown,
  ): Promise<{ ProcessingJobName: string; ProcessingJobArn: string; ProcessingJobStatus: "Completed" }> {
    if (this.#stopped) throw new ProcessingJobStoppedError("the local runner is stopping: no new job starts");
    const job = processingJob(ProcessingJobRequestSchema.parse(parameters));
    const verdict = this.#chaos(job);
    const exit = await this.#runContainer(job, verdict.fail ? verdict.afterChunks : undefined);
    if (exit.code !== 0) throw new SageMakerJobFailedError("Processing", job.name, describeExit(exit, verdict), exit.failure);
    return {
      ProcessingJobName: job.name,
      ProcessingJobArn: `arn:aws:sagemaker:local:000000000000:processing-job/${job.name.toLowerCase()}`,
      ProcessingJobStatus: "Completed",
    };
  }

  /**
   * A managed-spot training job: the container runs until it completes; an interrupted container
   * (chaos's interrupt=) is restarted from what its checkpoint folder uploaded, as SageMaker restarts
   * a spot job, until MaxWaitTimeInSeconds. TrainingTimeInSeconds counts every container's run; on
   * this machine nothing is billed at a spot price, so BillableTimeInSeconds equals it.
   */
  runTraining(parameters: unknown): Promise<TrainingJobDescription> {
    return this.#track(this.#runTraining(parameters));
  }

  async #runTraining(parameters: unknown): Promise<TrainingJobDescription> {
    const request = TrainingJobRequestSchema.parse(parameters);
    const job = trainingJob(request);
    const started = performance.now();
    let ranSeconds = 0;
    for (let restart = 0; ; restart++) {
      if (this.#stopped) throw new ProcessingJobStoppedError(`${job.name} was not started: the local runner is stopping`);
      const verdict = this.#chaos(job);
      const interruption = spotInterruption(this.#options.chaos, this.#shardIndex(job), this.#attempts.get(job.shardId)! - 1);
      const crashAfter = verdict.fail ? verdict.afterChunks : interruption.interrupted ? interruption.afterChunks : undefined;
      const containerStarted = performance.now();
      const exit =
        interruption.interrupted && interruption.afterChunks === undefined ? undefined : await this.#runContainer(job, crashAfter);
      ranSeconds += (performance.now() - containerStarted) / 1000;
      if (exit?.code === 0) {
        const seconds = Math.max(1, Math.round(ranSeconds));
        return {
          TrainingJobName: job.name,
          TrainingJobArn: `arn:aws:sagemaker:local:000000000000:training-job/${job.name.toLowerCase()}`,
          TrainingJobStatus: "Completed",
          TrainingTimeInSeconds: seconds,
          BillableTimeInSeconds: seconds,
        };
      }
      if (!interruption.interrupted || verdict.fail) {
        throw new SageMakerJobFailedError("Training", job.name, describeExit(exit!, verdict), exit?.failure);
      }
      const reason = `GOLDPIPE_CHAOS interrupted spot attempt ${restart + 1} of shard ${job.shardId}${
        exit ? ` after ${interruption.afterChunks} chunk(s)` : " before it started"
      }`;
      this.#options.onInterrupted?.({ jobName: job.name, shardId: job.shardId, restart: restart + 1, reason });
      if ((performance.now() - started) / 1000 > request.StoppingCondition.MaxWaitTimeInSeconds) {
        throw new SageMakerJobFailedError(
          "Training",
          job.name,
          "MaxWaitTimeExceeded: the spot job did not finish within MaxWaitTimeInSeconds " +
            `(${request.StoppingCondition.MaxWaitTimeInSeconds} s)`,
        );
      }
    }
  }

  #shardIndex(job: ContainerJob): number {
    return this.#options.shardIndexOf?.(job.shardId) ?? -1;
  }

  /** Counts this attempt of the job and asks chaos whether it fails; a failure before the start is thrown here. */
  #chaos(job: ContainerJob): ChaosVerdict {
    const attempt = this.#attempts.get(job.shardId) ?? 0;
    this.#attempts.set(job.shardId, attempt + 1);
    const verdict = chaosVerdict(this.#options.chaos, this.#shardIndex(job), attempt);
    if (verdict.fail && verdict.afterChunks === undefined) {
      throw new SageMakerJobFailedError(
        job.kind,
        job.name,
        `GOLDPIPE_CHAOS failed attempt ${attempt + 1} of shard ${job.shardId} before it started`,
      );
    }
    return verdict;
  }

  /** One run of the container in a fresh job directory: inputs in, outputs uploaded while it runs and after. */
  async #runContainer(job: ContainerJob, crashAfterChunks: number | undefined): Promise<JobExit> {
    const jobName = job.name;
    const shardId = job.shardId;
    const jobDir = await makeTemporaryFolder("job");
    const local = (containerPath: string) => path.join(jobDir, containerPath.slice(CONTAINER_ROOT.length));
    try {
      let checkpointChunks = 0;
      for (const input of job.inputs) {
        const copied = await this.#download(job, input, local(input.localPath));
        if (input.checkpoint) checkpointChunks = copied.filter(isChunk).length;
      }
      const outputs = job.outputs.map((output) => ({
        dir: local(output.localPath),
        prefix: this.#lakeKey(output.uri),
        uploaded: new Map<string, number>(),
      }));
      for (const output of outputs) await mkdir(output.dir, { recursive: true });
      await mkdir(path.join(jobDir, "output"), { recursive: true });
      // A synced checkpoint folder already holds the earlier chunks: counted once.
      const earlier = job.outputs.some((o) => job.inputs.some((i) => i.checkpoint && i.localPath === o.localPath)) ? 0 : checkpointChunks;

      // Continuous upload: a failed pass is kept and reported once the job has ended.
      let uploadError: unknown;
      let uploading = Promise.resolve();
      const upload = () =>
        (uploading = uploading
          .then(async () => {
            let chunks = earlier;
            for (const output of outputs) {
              await this.#upload(output);
              chunks += [...output.uploaded.keys()].filter(isChunk).length;
            }
            this.#options.onProgress?.({ jobName, shardId, chunks });
          })
          .catch((error: unknown) => {
            uploadError ??= error;
          }));
      const timer = setInterval(upload, UPLOAD_INTERVAL_MS);
      let exit: JobExit;
      try {
        exit = await this.#launch(job, jobDir, local, crashAfterChunks);
      } finally {
        clearInterval(timer);
        await upload();
      }
      if (uploadError !== undefined) throw uploadError;
      if (this.#stopped && exit.code !== 0) throw new ProcessingJobStoppedError(`${jobName} was stopped with the local runner`);
      if (exit.code !== 0) exit.failure = (await readFile(local(job.messageFile), "utf8").catch(() => "")).trim();
      return exit;
    } finally {
      await rm(jobDir, { recursive: true, force: true });
    }
  }

  #lakeKey(uri: string): string {
    const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri);
    if (!match || match[1] !== this.#options.bucket) {
      throw new Error(`${uri} is not in the local lake's bucket s3://${this.#options.bucket}/`);
    }
    return match[2] ?? "";
  }

  /** S3Prefix semantics: every object whose key starts with the prefix, under its name relative to the prefix's folder. */
  async #download(job: ContainerJob, input: ContainerJob["inputs"][number], localPath: string): Promise<string[]> {
    await mkdir(path.dirname(localPath), { recursive: true });
    if (input.uri.startsWith("file://")) {
      await symlink(fileURLToPath(input.uri), localPath);
      return [];
    }
    const prefix = this.#lakeKey(input.uri);
    const folder = prefix.slice(0, prefix.lastIndexOf("/") + 1);
    const copied: string[] = [];
    await mkdir(localPath, { recursive: true });
    for await (const object of this.#options.store.list(prefix)) {
      const relative = object.key.slice(folder.length);
      const file = path.join(localPath, relative);
      await mkdir(path.dirname(file), { recursive: true });
      await pipeline(await this.#options.store.getStream(object.key), createWriteStream(file));
      copied.push(relative);
    }
    if (copied.length === 0 && !input.optional) {
      throw new SageMakerJobFailedError(
        job.kind,
        job.name,
        `ClientError: No S3 objects found under S3 URL "${input.uri}" given in input data source. ` +
          "Please ensure that the bucket exists in the selected region, that objects exist under that S3 prefix",
      );
    }
    return copied;
  }

  /**
   * Uploads every file that is new or changed since the last pass, whatever its name, as Continuous
   * upload does: a file the job is still writing there would reach the lake half-written. The
   * success checkpoint goes last, so that a goldpipe killed mid-pass never leaves a _SUCCESS in the
   * lake without the chunks and metrics it vouches for.
   */
  async #upload(output: { dir: string; prefix: string; uploaded: Map<string, number> }): Promise<void> {
    const files = await filesUnder(output.dir);
    const checkpointLast = [
      ...files.filter((f) => path.basename(f) !== SUCCESS_FILE),
      ...files.filter((f) => path.basename(f) === SUCCESS_FILE),
    ];
    for (const relative of checkpointLast) {
      const file = path.join(output.dir, relative);
      const { mtimeMs, size } = await stat(file);
      const version = mtimeMs * 1e6 + size;
      if (output.uploaded.get(relative) === version) continue;
      await this.#options.store.put(`${output.prefix}${relative.split(path.sep).join("/")}`, createReadStream(file));
      output.uploaded.set(relative, version);
    }
  }

  /**
   * Starts the entry point under the job supervisor, out of this process's group (a Ctrl-C reaches
   * goldpipe, which stops the jobs itself): a stop or MaxRuntimeInSeconds reaches the job through the
   * supervisor, and the death of this process ends the job and removes its directory.
   */
  #launch(job: ContainerJob, jobDir: string, local: (p: string) => string, crashAfterChunks: number | undefined): Promise<JobExit> {
    const [entry, ...entryArgs] = job.entrypoint[0] === IMAGE_WRAPPER ? job.entrypoint.slice(1) : job.entrypoint;
    const command = entry === "python3" || entry === "python" ? (this.#options.python ?? defaultPython()) : (entry ?? "");
    const args = [...entryArgs, ...job.arguments].map((arg) => (arg.startsWith(CONTAINER_ROOT) ? local(arg) : arg));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...job.environment,
      PYTHONPATH: [GPU_JOB_DIR, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    };
    delete env.GOLDPIPE_CRASH_AFTER_CHUNKS;
    if (crashAfterChunks !== undefined) env.GOLDPIPE_CRASH_AFTER_CHUNKS = String(crashAfterChunks);
    return new Promise((resolve, reject) => {
      if (this.#stopped) return reject(new ProcessingJobStoppedError(`${job.name} was not started: the local runner is stopping`));
      const child = spawn(process.execPath, [JOB_SUPERVISOR, String(process.pid), jobDir, command, ...args], {
        env,
        stdio: ["ignore", "ignore", "pipe"],
        detached: true,
      });
      this.#jobs.add(child);
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (text: string) => {
        stderr = (stderr + text).slice(-4000);
      });
      const limit = job.maxRuntimeSeconds;
      let stopped = false;
      const stopper = setTimeout(() => {
        stopped = true;
        child.kill("SIGTERM");
      }, limit * 1000);
      child.on("error", (error) => {
        clearTimeout(stopper);
        this.#jobs.delete(child);
        reject(new Error(`cannot start the processing job's supervisor: ${error.message}`));
      });
      // The job's exit ends it, even while a process it left behind holds stderr open; 'close'
      // (stderr drained) is awaited only briefly.
      child.on("exit", (code, signal) => {
        clearTimeout(stopper);
        this.#jobs.delete(child);
        const done = () => resolve({ code: code ?? (signal ? 128 : 1), signal, stderr, maxRuntimeExceeded: stopped ? limit : undefined });
        const drained = setTimeout(done, STDERR_DRAIN_MS);
        child.once("close", () => {
          clearTimeout(drained);
          done();
        });
      });
    });
  }
}

interface TrainingJobDescription {
  TrainingJobName: string;
  TrainingJobArn: string;
  TrainingJobStatus: "Completed";
  TrainingTimeInSeconds: number;
  BillableTimeInSeconds: number;
}

interface JobExit {
  code: number;
  /** What the job wrote to its failure file, when it failed. */
  failure?: string;
  signal: NodeJS.Signals | null;
  stderr: string;
  maxRuntimeExceeded: number | undefined;
}

function describeExit(exit: JobExit, verdict: ChaosVerdict): string {
  if (exit.maxRuntimeExceeded !== undefined) {
    return `MaxRuntimeExceeded: the job ran past MaxRuntimeInSeconds (${exit.maxRuntimeExceeded} s) and was stopped`;
  }
  const chaos = verdict.fail ? ` (GOLDPIPE_CHAOS: GOLDPIPE_CRASH_AFTER_CHUNKS=${verdict.afterChunks})` : "";
  const lastLines = exit.stderr.trim().split("\n").slice(-5).join("\n");
  return (
    `AlgorithmError: the job exited with code ${exit.code}${exit.signal ? ` (${exit.signal})` : ""}` +
    `${chaos}${lastLines ? `: ${lastLines}` : ""}`
  );
}

const isChunk = (relative: string) => /(^|\/)part-[^/]*\.parquet$/.test(relative);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}
