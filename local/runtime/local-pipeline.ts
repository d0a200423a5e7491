import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ExecutionDescription, Metrics, ObjectStore } from "../../functions/core/ports.ts";
import { replayRun } from "../../functions/core/orchestration/replay.ts";
import type { Capacity, RunInput, RunSettings } from "../../functions/core/orchestration/run-input.ts";
import { sealPending, type SealRequest } from "../../functions/core/orchestration/seal.ts";
import { LocalWorkflow } from "../adapters/local-workflow.ts";
import type { Chaos } from "./chaos.ts";
import { localLakeSteps } from "./lake-steps.ts";
import { runPipeline, type ShardEvent } from "./pipeline.ts";

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

export interface LocalPipelineConfig {
  /** The lake directory. */
  lake: string;
  store: ObjectStore;
  metrics: Metrics;
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
}

/** A run started on this machine: its shape, and its execution's end. */
export interface LocalRun {
  run_id: string;
  execution_id: string;
  /** The shards this execution scores (all of them when sealed, the unfinished ones on replay). */
  shards: number[];
  rows: number;
  finished: Promise<ExecutionDescription>;
}

/**
 * The whole pipeline on this machine: seal and replay as in AWS, their executions run by the local
 * runtime in this process (the ASL with local handlers, gpu-job launched as SageMaker would).
 */
export class LocalPipeline {
  readonly store: ObjectStore;
  readonly settings: RunSettings;
  readonly #workflow: LocalWorkflow;

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
      }),
    );
  }

  /** Seals what is pending and starts its run; undefined when nothing was pending. */
  async seal(request: Omit<SealRequest, "settings">): Promise<LocalRun | undefined> {
    const sealed = await sealPending({ store: this.store, workflow: this.#workflow }, { ...request, settings: this.settings });
    if (!sealed.sealed) return undefined;
    return {
      run_id: sealed.run_id,
      execution_id: sealed.execution_id,
      shards: Array.from({ length: sealed.shards }, (_, i) => i),
      rows: sealed.rows,
      finished: this.#workflow.wait(sealed.execution_id),
    };
  }

  /** Re-drives the run's shards that have no success checkpoint, then merges and reports it again. */
  async replay(runId: string): Promise<LocalRun> {
    const replay = await replayRun({ store: this.store, workflow: this.#workflow }, { run_id: runId, settings: this.settings });
    return {
      run_id: replay.run_id,
      execution_id: replay.execution_id,
      shards: replay.shards,
      rows: replay.rows,
      finished: this.#workflow.wait(replay.execution_id),
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
