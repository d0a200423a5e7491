import { spawn } from "node:child_process";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { BadInputError } from "../../functions/core/errors.ts";
import type { ObjectStore } from "../../functions/core/ports.ts";
import { chaosVerdict, type Chaos } from "./chaos.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
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

/**
 * A failed job as the .sync integration reports it: Error States.TaskFailed, Cause the
 * DescribeProcessingJob answer as JSON: SageMaker's FailureReason and, when the container left one
 * in /opt/ml/output/message, its ExitMessage. `failureReason` is what a person reads: the message, else the reason.
 */
export class ProcessingJobFailedError extends Error {
  override name = "States.TaskFailed";
  readonly failureReason: string;
  constructor(jobName: string, failureReason: string, exitMessage?: string) {
    const reason = failureReason.slice(0, FAILURE_REASON_CHARS);
    const message = exitMessage?.slice(0, FAILURE_REASON_CHARS);
    super(
      JSON.stringify({
        ProcessingJobName: jobName,
        ProcessingJobStatus: "Failed",
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

  constructor(options: ProcessingJobRunnerOptions) {
    this.#options = options;
  }

  async run(parameters: unknown): Promise<{ ProcessingJobName: string; ProcessingJobArn: string; ProcessingJobStatus: "Completed" }> {
    const request = ProcessingJobRequestSchema.parse(parameters);
    const jobName = request.ProcessingJobName;
    const shardId = request.Environment.GOLDPIPE_SHARD_ID ?? "";
    const attempt = this.#attempts.get(shardId) ?? 0;
    this.#attempts.set(shardId, attempt + 1);

    const shardIndex = this.#options.shardIndexOf?.(shardId);
    const verdict = chaosVerdict(this.#options.chaos, shardIndex ?? -1, attempt);
    if (verdict.fail && verdict.afterChunks === undefined) {
      throw new ProcessingJobFailedError(jobName, `GOLDPIPE_CHAOS failed attempt ${attempt + 1} of shard ${shardId} before it started`);
    }

    const jobDir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-job-"));
    const local = (containerPath: string) => path.join(jobDir, containerPath.slice(CONTAINER_ROOT.length));
    try {
      let checkpointChunks = 0;
      for (const input of request.ProcessingInputs) {
        const copied = await this.#download(jobName, input.S3Input.S3Uri, local(input.S3Input.LocalPath));
        if (input.InputName === "checkpoint") checkpointChunks = copied.filter(isChunk).length;
      }
      const outputs = request.ProcessingOutputConfig.Outputs.map((output) => ({
        dir: local(output.S3Output.LocalPath),
        prefix: this.#lakeKey(output.S3Output.S3Uri),
        uploaded: new Map<string, number>(),
      }));
      for (const output of outputs) await mkdir(output.dir, { recursive: true });
      await mkdir(path.join(jobDir, "output"), { recursive: true });

      // Continuous upload: a failed pass is kept and reported once the job has ended.
      let uploadError: unknown;
      let uploading = Promise.resolve();
      const upload = () =>
        (uploading = uploading
          .then(async () => {
            let chunks = checkpointChunks;
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
        exit = await this.#launch(request, local, verdict.fail ? verdict.afterChunks : undefined);
      } finally {
        clearInterval(timer);
        await upload();
      }
      if (uploadError !== undefined) throw uploadError;
      if (exit.code !== 0) {
        const message = await readFile(local(EXIT_MESSAGE_FILE), "utf8").catch(() => "");
        throw new ProcessingJobFailedError(jobName, describeExit(exit, verdict), message.trim());
      }
      return {
        ProcessingJobName: jobName,
        ProcessingJobArn: `arn:aws:sagemaker:local:000000000000:processing-job/${jobName.toLowerCase()}`,
        ProcessingJobStatus: "Completed",
      };
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
  async #download(jobName: string, uri: string, localPath: string): Promise<string[]> {
    await mkdir(path.dirname(localPath), { recursive: true });
    if (uri.startsWith("file://")) {
      await symlink(fileURLToPath(uri), localPath);
      return [];
    }
    const prefix = this.#lakeKey(uri);
    const folder = prefix.slice(0, prefix.lastIndexOf("/") + 1);
    const copied: string[] = [];
    for await (const object of this.#options.store.list(prefix)) {
      const relative = object.key.slice(folder.length);
      const file = path.join(localPath, relative);
      await mkdir(path.dirname(file), { recursive: true });
      await pipeline(await this.#options.store.getStream(object.key), createWriteStream(file));
      copied.push(relative);
    }
    if (copied.length === 0) {
      throw new ProcessingJobFailedError(
        jobName,
        `ClientError: No S3 objects found under S3 URL "${uri}" given in input data source. ` +
          "Please ensure that the bucket exists in the selected region, that objects exist under that S3 prefix",
      );
    }
    return copied;
  }

  /**
   * Uploads every file that is new or changed since the last pass, whatever its name, as Continuous
   * upload does: a file the job is still writing there would reach the lake half-written.
   */
  async #upload(output: { dir: string; prefix: string; uploaded: Map<string, number> }): Promise<void> {
    for (const relative of await filesUnder(output.dir)) {
      const file = path.join(output.dir, relative);
      const { mtimeMs, size } = await stat(file);
      const version = mtimeMs * 1e6 + size;
      if (output.uploaded.get(relative) === version) continue;
      await this.#options.store.put(`${output.prefix}${relative.split(path.sep).join("/")}`, createReadStream(file));
      output.uploaded.set(relative, version);
    }
  }

  #launch(request: ProcessingJobRequest, local: (p: string) => string, crashAfterChunks: number | undefined): Promise<JobExit> {
    const [entry, ...entryArgs] = request.AppSpecification.ContainerEntrypoint;
    const command = entry === "python3" || entry === "python" ? (this.#options.python ?? defaultPython()) : (entry ?? "");
    const args = [...entryArgs, ...request.AppSpecification.ContainerArguments].map((arg) =>
      arg.startsWith(CONTAINER_ROOT) ? local(arg) : arg,
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...request.Environment,
      PYTHONPATH: [path.join(REPO_ROOT, "gpu-job"), process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    };
    delete env.GOLDPIPE_CRASH_AFTER_CHUNKS;
    if (crashAfterChunks !== undefined) env.GOLDPIPE_CRASH_AFTER_CHUNKS = String(crashAfterChunks);
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (text: string) => {
        stderr = (stderr + text).slice(-4000);
      });
      const limit = request.StoppingCondition.MaxRuntimeInSeconds;
      let stopped = false;
      const stopper = setTimeout(() => {
        stopped = true;
        child.kill("SIGKILL");
      }, limit * 1000);
      child.on("error", (error) => {
        clearTimeout(stopper);
        reject(new Error(`cannot start the processing job's entry point ${command}: ${error.message}`));
      });
      // The job's exit ends it, even while a process it left behind holds stderr open; 'close'
      // (stderr drained) is awaited only briefly.
      child.on("exit", (code, signal) => {
        clearTimeout(stopper);
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

interface JobExit {
  code: number;
  signal: NodeJS.Signals | null;
  stderr: string;
  maxRuntimeExceeded: number | undefined;
}

function describeExit(exit: JobExit, verdict: ReturnType<typeof chaosVerdict>): string {
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
