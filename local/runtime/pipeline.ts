import { readFileSync } from "node:fs";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { parse } from "yaml";
import { z } from "zod";
import { MergeEventSchema } from "../../functions/core/lake/events.ts";
import { FinalizeRunEventSchema } from "../../functions/core/orchestration/events.ts";
import { finalizeRun } from "../../functions/core/orchestration/finalize-run.ts";
import type { MergeResult } from "../../functions/core/lake/merge.ts";
import type { ObjectStore } from "../../functions/core/ports.ts";
import { RunInputSchema, ShardItemSchema, type RunInput } from "../../functions/core/orchestration/run-input.ts";
import type { Chaos } from "./chaos.ts";
import type { KillSwitch } from "./kill-switch.ts";
import { withLocalItemReaders } from "./item-reader.ts";
import { ProcessingJobRunner } from "./processing-job-runner.ts";

export const PIPELINE_ASL_URL = new URL("../../statemachines/pipeline.asl.yaml", import.meta.url);

/** The workflow definition, as the file says it: the same one serverless.yml deploys. */
export function pipelineDefinition(): StateMachineDefinition {
  return parse(readFileSync(PIPELINE_ASL_URL, "utf8")) as StateMachineDefinition;
}

/** What happens to each shard, for progress bars and logs. */
export type ShardEvent =
  | { type: "skipped"; index: number }
  | { type: "attempt"; index: number; attempt: number }
  | { type: "chunks"; index: number; chunks: number }
  | { type: "attempt-failed"; index: number; attempt: number; reason: string }
  | { type: "interrupted"; index: number; restart: number; reason: string }
  | { type: "succeeded"; index: number }
  | { type: "failed"; index: number };

/** The states the lake part owns, bound to its core functions (local/runtime/lake-steps.ts). */
export interface LakeSteps {
  merge(runId: string): Promise<MergeResult>;
  /** Runs one partition refresh statement (RegisterPartitions). */
  refresh(statement: string): Promise<void>;
  report(input: unknown): Promise<unknown>;
}

export interface LocalPipelineOptions {
  store: ObjectStore;
  /** The bucket the lake stands for in the execution input's S3 URIs. */
  bucket: string;
  lake: LakeSteps;
  python?: string;
  chaos?: Chaos;
  /** Wait before each retry, instead of the definition's backoff (seconds to minutes in AWS). */
  retryDelayMs?: number;
  onShard?: (event: ShardEvent) => void;
  /** Aborting it stops the execution: no new state starts, running jobs are stopped, and the execution rejects once they have ended. */
  signal?: AbortSignal;
  /** GOLDPIPE_KILL_AT: told after each state has run. */
  killSwitch?: KillSwitch;
}

/** Default local wait before a retry: long enough to read in a log, short beside a job. */
const LOCAL_RETRY_DELAY_MS = 200;

/**
 * Runs one execution of statemachines/pipeline.asl.yaml in this process with aws-local-stepfunctions,
 * every Task overridden by state name with its local handler: S3 calls on the lake, ScoreShard on
 * the processing-job runner, the Lambdas on their core functions. The Map reads its shard list from
 * the lake as in AWS (local/runtime/item-reader.ts) and runs each shard's states in this process.
 * Resolves to the execution's output (ReportRun's report); rejects when the execution fails.
 */
export async function runPipeline(name: string, input: RunInput, options: LocalPipelineOptions): Promise<unknown> {
  const run = RunInputSchema.parse(input);
  const { store, bucket, lake, onShard } = options;
  const byScoresPrefix = new Map<string, number>();
  const byShardId = new Map<string, number>();
  const attempts = new Map<number, number>();
  const lakeKey = (parameters: unknown) => {
    const { Bucket, Key } = parameters as { Bucket: string; Key: string };
    if (Bucket !== bucket) throw new Error(`s3://${Bucket}/${Key} is outside the local lake's bucket ${bucket}`);
    return Key;
  };
  const local = withLocalItemReaders(pipelineDefinition(), async (parameters) => {
    const key = lakeKey(parameters);
    const body = await store.get(key);
    if (body === undefined) throw new Error(`the shard list ${key} of run ${run.run_id} is not in the lake`);
    const shards = z.array(ShardItemSchema).parse(JSON.parse(body.toString("utf8")));
    for (const shard of shards) {
      byScoresPrefix.set(shard.scores_prefix, shard.index);
      byShardId.set(shard.shard_id, shard.index);
    }
    return shards;
  });
  const shardOfKey = (key: string) => byScoresPrefix.get(key.slice(0, key.lastIndexOf("/") + 1)) ?? -1;

  const runner = new ProcessingJobRunner({
    store,
    bucket,
    python: options.python,
    chaos: options.chaos,
    shardIndexOf: (shardId) => byShardId.get(shardId),
    onProgress: ({ shardId, chunks }) => onShard?.({ type: "chunks", index: byShardId.get(shardId) ?? -1, chunks }),
    onInterrupted: ({ shardId, restart, reason }) =>
      onShard?.({ type: "interrupted", index: byShardId.get(shardId) ?? -1, restart, reason }),
  });
  /** ScoreShard and ScoreShardOnSpot: one attempt of the shard's job, its start and outcome told to onShard. */
  const scoreAttempt = async (parameters: unknown, job: (parameters: unknown) => Promise<unknown>) => {
    const shardId = (parameters as { Environment?: Record<string, string> }).Environment?.GOLDPIPE_SHARD_ID ?? "";
    const index = byShardId.get(shardId) ?? -1;
    const attempt = (attempts.get(index) ?? 0) + 1;
    attempts.set(index, attempt);
    onShard?.({ type: "attempt", index, attempt });
    try {
      const described = await job(parameters);
      onShard?.({ type: "succeeded", index });
      return described;
    } catch (error) {
      const reason = (error as { failureReason?: string }).failureReason ?? (error as Error).message;
      onShard?.({ type: "attempt-failed", index, attempt, reason });
      throw error;
    }
  };
  const putJson = async (parameters: unknown) => {
    const key = lakeKey(parameters);
    const body = (parameters as { Body: unknown }).Body;
    await store.put(key, typeof body === "string" ? body : JSON.stringify(body), { contentType: "application/json" });
    return body as { index?: number };
  };

  const handlers: Record<string, (parameters: never) => Promise<unknown>> = {
    ...local.handlers,
    CheckCheckpoint: async (parameters) => {
      const key = lakeKey(parameters);
      const found = await store.head(key);
      if (!found) throw Object.assign(new Error(`Not Found: ${key}`), { name: "S3.NoSuchKeyException" });
      onShard?.({ type: "skipped", index: shardOfKey(key) });
      return { ContentLength: found.size };
    },
    EnsureCheckpointPrefix: async (parameters) => {
      await store.put(lakeKey(parameters), String((parameters as { Body?: unknown }).Body ?? ""));
      return {};
    },
    ScoreShard: (parameters) => scoreAttempt(parameters, (p) => runner.run(p)),
    ScoreShardOnSpot: (parameters) => scoreAttempt(parameters, (p) => runner.runTraining(p)),
    RecordSpotBilling: async (parameters) => {
      await putJson(parameters);
      return {};
    },
    RecordShardFailed: async (parameters) => {
      const body = await putJson(parameters);
      onShard?.({ type: "failed", index: body.index ?? -1 });
      return {};
    },
    FinalizeRun: async (parameters) => finalizeRun(store, FinalizeRunEventSchema.parse(parameters)),
    MergeRun: async (parameters) => lake.merge(MergeEventSchema.parse(parameters).run_id),
    ReadRefreshStatement: async (parameters) => {
      const key = lakeKey(parameters);
      const body = await store.get(key);
      if (!body) throw Object.assign(new Error(`Not Found: ${key}`), { name: "S3.NoSuchKeyException" });
      return { Body: body.toString("utf8") };
    },
    RegisterPartitions: async (parameters) => {
      await lake.refresh((parameters as { QueryString: string }).QueryString);
      return {};
    },
    ReportRun: async (parameters) => lake.report(parameters),
  };

  // Every state's handler runs to its end even once the execution is stopped, so nothing is left
  // half-written or running; the stop waits for them. No handler starts after the stop: the
  // engine may still be walking the Map, and a refused job must not be recorded as a failed shard.
  const inFlight = new Set<Promise<unknown>>();
  const tracked = Object.fromEntries(
    Object.entries(handlers).map(([state, handler]) => [
      state,
      (parameters: never) => {
        if (options.signal?.aborted)
          return Promise.reject(new ExecutionStoppedError(`${state} not started: execution ${name} was stopped`));
        const running = handler(parameters).then((result) => {
          options.killSwitch?.afterState(state);
          return result;
        });
        inFlight.add(running);
        const settled = () => inFlight.delete(running);
        running.then(settled, settled);
        return running;
      },
    ]),
  );

  const delay = options.retryDelayMs ?? LOCAL_RETRY_DELAY_MS;
  const machine = new StateMachine(local.definition);
  const execution = machine.run(run, {
    overrides: {
      taskResourceLocalHandlers: tracked as never,
      retryIntervalOverrides: Object.fromEntries(Object.keys(handlers).map((state) => [state, delay])),
      waitTimeOverrides: { WaitBeforeRetry: delay },
    },
    context: {
      Execution: { Id: `arn:aws:states:local:000000000000:execution:goldpipe-pipeline:${name}`, Name: name },
      State: { RetryCount: 0 },
    },
  });
  const stop = () => {
    execution.abort();
    void runner.stop();
  };
  options.signal?.addEventListener("abort", stop, { once: true });
  if (options.signal?.aborted) stop();
  try {
    return await execution.result;
  } catch (error) {
    if (options.signal?.aborted) {
      await runner.stop();
      await Promise.allSettled([...inFlight]);
      throw new ExecutionStoppedError(`execution ${name} was stopped`);
    }
    // aws-local-stepfunctions wraps the failing state's error; its cause is what went wrong.
    const cause = (error as { cause?: unknown }).cause;
    throw cause instanceof Error ? cause : error;
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
}

/** The execution was stopped from outside (goldpipe run interrupted), after its running states had ended. */
export class ExecutionStoppedError extends Error {
  override name = "ExecutionStoppedError";
}
