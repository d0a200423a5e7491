import path from "node:path";
import { pathToFileURL } from "node:url";
import { readRunReport } from "../../functions/core/lake/report.ts";
import { PENDING_PREFIX, successKey } from "../../functions/core/lake-keys.ts";
import { describeLock, type LockOwner, type LockRecord } from "../../functions/core/orchestration/lock.ts";
import { isUnfinished, readManifest, type RunManifest } from "../../functions/core/orchestration/manifest.ts";
import { replayRun } from "../../functions/core/orchestration/replay.ts";
import type { Capacity, RunInput, RunSettings } from "../../functions/core/orchestration/run-input.ts";
import { keepRunLock, runExecutionLock } from "../../functions/core/orchestration/run-lock.ts";
import { sealPending, type SealRequest } from "../../functions/core/orchestration/seal.ts";
import type { ExecutionDescription, Metrics, ObjectStore } from "../../functions/core/ports.ts";
import { allManifests } from "../../functions/core/orchestration/runs.ts";
import { LocalWorkflow } from "../adapters/local-workflow.ts";
import type { Chaos } from "./chaos.ts";
import type { KillSwitch } from "./kill-switch.ts";
import { localLakeSteps } from "./lake-steps.ts";
import { LOCAL_LOCK_RENEW_MS, LOCAL_LOCK_TTL_MS, localLockOwner } from "./local-lock-owner.ts";
import { ExecutionStoppedError, runPipeline, type ShardEvent } from "./pipeline.ts";

/** The bucket the lake directory stands for in S3 URIs (contracts.md). */
export const LOCAL_BUCKET = "goldpipe-local";
export const DEFAULT_MODEL_DIR = "models/gold-headline-sentiment";
/**
 * One job at a time: on a CPU the job's PyTorch already uses every core, so a second job only
 * contends (npm run bench:pipeline, 10,000 headlines on 2 cores: 66 s at 1, 146 s at 2).
 */
export const DEFAULT_LOCAL_CONCURRENCY = 1;
const LOCAL_MAX_RUNTIME_SECONDS = 6 * 3600;
/** Smaller than the GPU job's default so a shard checkpoints (and shows progress) several times. */
export const DEFAULT_LOCAL_CHUNK_ROWS = 500;
/** How long a local seal waits for another process's seal of the same lake to end. */
const SEAL_WAIT_MS = 30 * 60_000;
/** How often a run executed by another process is looked at while this one waits for its end. */
const FOLLOW_POLL_MS = 1_000;

export interface LocalPipelineConfig {
  /** The lake directory. */
  lake: string;
  store: ObjectStore;
  metrics: Metrics;
  /** This process in the lake's locks: "goldpipe run", "goldpipe watch". */
  holderName?: string;
  /** The Hugging Face model directory the GPU job loads. */
  model?: string;
  concurrency?: number;
  chunkRows?: number;
  /** spot: each shard runs as a managed-spot training job (locally: the same container, interruptible by chaos). */
  capacity?: Capacity;
  python?: string;
  chaos?: Chaos;
  retryDelayMs?: number;
  onShard?: (runId: string, event: ShardEvent) => void;
  killSwitch?: KillSwitch;
}

/** A run being executed: its shape, and its execution's end. */
export interface LocalRun {
  run_id: string;
  execution_id: string;
  /** The shards this execution scores (all of them when sealed, the unfinished ones on replay). */
  shards: number[];
  rows: number;
  /** Who executes it when it is not this process (a `goldpipe watch`, another `goldpipe run`). */
  executedBy: string | undefined;
  finished: Promise<ExecutionDescription>;
}

/** A run left unfinished in the lake (Sealed or Merging), with whoever is executing it now. */
export interface UnfinishedRun {
  manifest: RunManifest;
  /** The run's lock while a live holder has it; undefined when nobody is at work on the run. */
  heldBy: LockRecord | undefined;
}

/**
 * The whole pipeline on this machine: seal and replay as in AWS, their executions run by the local
 * runtime in this process (the ASL with local handlers, gpu-job launched as SageMaker would).
 * Seals and executions take the lake's locks as this process; while one of its executions runs, its
 * run lock is renewed, and released at its end.
 */
export class LocalPipeline {
  readonly store: ObjectStore;
  readonly settings: RunSettings;
  readonly #workflow: LocalWorkflow;
  readonly #owner: LockOwner;
  readonly #stop = new AbortController();
  readonly #executions = new Set<Promise<unknown>>();
  /** The runs this process has executed (or is executing), for what a stop leaves unfinished. */
  readonly #executed = new Set<string>();

  constructor(config: LocalPipelineConfig) {
    this.store = config.store;
    this.settings = localRunSettings(config);
    const lake = localLakeSteps({ store: config.store, bucket: LOCAL_BUCKET, lake: config.lake, metrics: config.metrics });
    this.#workflow = new LocalWorkflow((name, input) =>
      runPipeline(name, input as RunInput, {
        store: config.store,
        bucket: LOCAL_BUCKET,
        lake,
        python: config.python,
        chaos: config.chaos,
        retryDelayMs: config.retryDelayMs,
        onShard: (event) => config.onShard?.((input as RunInput).run_id, event),
        signal: this.#stop.signal,
        killSwitch: config.killSwitch,
      }),
    );
    this.#owner = localLockOwner(`${config.holderName ?? "goldpipe"} (pid ${process.pid})`, this.#workflow);
  }

  get #ports() {
    return { store: this.store, workflow: this.#workflow, owner: this.#owner };
  }

  /**
   * Seals what is pending and starts its run; undefined when nothing was pending. A seal in
   * progress in another process is waited for (onWait hears whose).
   */
  async seal(request: Omit<SealRequest, "settings" | "wait">, onWait?: (holder: string) => void): Promise<LocalRun | undefined> {
    this.#refuseWhenStopped();
    const sealed = await sealPending(this.#ports, {
      ...request,
      settings: this.settings,
      wait: { timeoutMs: SEAL_WAIT_MS, onWait },
    });
    if (!sealed.sealed) {
      if (sealed.busy) throw new Error(`${sealed.reason}; still there after ${SEAL_WAIT_MS / 60_000} min`);
      return undefined;
    }
    return this.#follow(
      sealed.run_id,
      sealed.execution_id,
      Array.from({ length: sealed.shards }, (_, i) => i),
      sealed.rows,
    );
  }

  /**
   * Re-drives the run's shards that have no success checkpoint, then merges and reports it again.
   * Refused (RunBusyError) while another live process executes the run.
   */
  async replay(runId: string): Promise<LocalRun> {
    this.#refuseWhenStopped();
    const replay = await replayRun(this.#ports, { run_id: runId, settings: this.settings });
    return this.#follow(replay.run_id, replay.execution_id, replay.shards, replay.rows);
  }

  /** The lake's unfinished runs, oldest first, each with the live holder executing it, if any. */
  async unfinishedRuns(): Promise<UnfinishedRun[]> {
    const runs: UnfinishedRun[] = [];
    for (const manifest of await allManifests(this.store)) {
      if (!isUnfinished(manifest)) continue;
      runs.push({ manifest, heldBy: await this.#liveHolder(manifest.run_id) });
    }
    return runs;
  }

  /** Follows a run another process is executing, to its end: its report, or why it ended unfinished. */
  followElsewhere(run: UnfinishedRun): LocalRun {
    const { manifest } = run;
    return {
      run_id: manifest.run_id,
      execution_id: run.heldBy?.holder.execution ?? "",
      shards: manifest.shards.map((shard) => shard.index),
      rows: manifest.rows,
      executedBy: run.heldBy ? describeLock(run.heldBy) : undefined,
      finished: this.#awaitElsewhere(manifest.run_id),
    };
  }

  /**
   * Stops this process's executions: no new state or job starts, running jobs are stopped, and
   * each execution ends (its run stays unfinished, for replay) once its running states have ended.
   */
  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.allSettled([...this.#executions]);
  }

  /** After a stop: what each run this process was executing has left to do, in a line each, and what stays pending. */
  async leftUnfinished(): Promise<string[]> {
    const lines: string[] = [];
    for (const runId of this.#executed) {
      const manifest = await readManifest(this.store, runId);
      if (!manifest || !isUnfinished(manifest)) continue;
      const unscored: number[] = [];
      for (const shard of manifest.shards) if (!(await this.store.head(successKey(runId, shard.index)))) unscored.push(shard.index);
      const left =
        unscored.length > 0
          ? `shard(s) ${unscored.join(", ")} of ${manifest.shards.length} not scored yet`
          : "every shard is scored; the merge and report are not done";
      lines.push(`run ${runId} stopped unfinished: ${left}; the next goldpipe run or watch resumes it, or: goldpipe replay ${runId}`);
    }
    let segments = 0;
    for await (const object of this.store.list(PENDING_PREFIX)) if (object.key.endsWith(".jsonl")) segments++;
    if (segments > 0) lines.push(`${segments} pending segment(s) wait in the lake's pending/ for the next seal`);
    return lines;
  }

  #refuseWhenStopped(): void {
    if (this.#stop.signal.aborted) throw new ExecutionStoppedError("stopping: no new run is started");
  }

  async #follow(runId: string, executionId: string, shards: number[], rows: number): Promise<LocalRun> {
    const lock = await runExecutionLock(this.store, runId);
    const mine = lock?.holder.pid === process.pid && lock.holder.execution === executionId;
    if (!mine) {
      const manifest = await readManifest(this.store, runId);
      if (!manifest) throw new Error(`run ${runId} was sealed but has no manifest`);
      return this.followElsewhere({ manifest, heldBy: lock });
    }
    this.#executed.add(runId);
    const renewal = setInterval(() => {
      void keepRunLock(this.store, runId, executionId, { ttlMs: LOCAL_LOCK_TTL_MS }).catch(() => undefined);
    }, LOCAL_LOCK_RENEW_MS);
    const finished = this.#workflow.wait(executionId).finally(async () => {
      clearInterval(renewal);
      await keepRunLock(this.store, runId, executionId, { release: true });
    });
    this.#executions.add(finished);
    const settled = () => this.#executions.delete(finished);
    finished.then(settled, settled);
    return { run_id: runId, execution_id: executionId, shards, rows, executedBy: undefined, finished };
  }

  async #liveHolder(runId: string): Promise<LockRecord | undefined> {
    const lock = await runExecutionLock(this.store, runId);
    if (!lock) return undefined;
    const alive = await this.#owner.liveness?.(lock.holder);
    return (alive ?? Date.parse(lock.expires_at) > Date.now()) ? lock : undefined;
  }

  async #awaitElsewhere(runId: string): Promise<ExecutionDescription> {
    while ((await this.#liveHolder(runId)) && !this.#stop.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    }
    const manifest = await readManifest(this.store, runId);
    const report = await readRunReport(this.store, runId);
    if (manifest && !isUnfinished(manifest) && report) return { status: "SUCCEEDED", output: report };
    return {
      status: "FAILED",
      error:
        `run ${runId} was left unfinished by the process executing it (${manifest?.status ?? "no manifest"}); ` +
        `goldpipe replay ${runId} finishes it`,
    };
  }
}

/** The execution input's settings on this machine: the lake's bucket, the model as a file:// input, local stand-ins for AWS names. */
export function localRunSettings(config: Pick<LocalPipelineConfig, "model" | "concurrency" | "chunkRows" | "capacity">): RunSettings {
  return {
    bucket: LOCAL_BUCKET,
    max_concurrency: config.concurrency ?? DEFAULT_LOCAL_CONCURRENCY,
    job: {
      image_uri: "goldpipe-scorer:local",
      role_arn: "arn:aws:iam::000000000000:role/goldpipe-local-job",
      instance_type: "local",
      volume_gb: 1,
      max_runtime_seconds: LOCAL_MAX_RUNTIME_SECONDS,
      model_s3_uri: pathToFileURL(path.resolve(config.model ?? DEFAULT_MODEL_DIR)).href,
      chunk_rows: config.chunkRows ?? DEFAULT_LOCAL_CHUNK_ROWS,
      capacity: config.capacity ?? "on-demand",
      max_wait_seconds: 2 * LOCAL_MAX_RUNTIME_SECONDS,
    },
    athena: { database: "goldpipe", workgroup: "local", output_location: `s3://${LOCAL_BUCKET}/athena-results/` },
  };
}
