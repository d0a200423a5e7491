import { existsSync } from "node:fs";
import { constants } from "node:os";
import path from "node:path";
import { z } from "zod";
import { BadInputError } from "../../functions/core/errors.ts";
import { readManifest } from "../../functions/core/orchestration/manifest.ts";
import { CAPACITIES, type Capacity } from "../../functions/core/orchestration/run-input.ts";
import { RunReportSchema, type RunReport } from "../../functions/core/lake/report.ts";
import { JsonlMetrics, localMetricsPath } from "../adapters/jsonl-metrics.ts";
import { parseChaos } from "../runtime/chaos.ts";
import { killSwitchOfThisProcess, openLakeStore } from "../runtime/lake-store.ts";
import { sweepLeftoverTemporaryFolders } from "../runtime/temporary-folders.ts";
import {
  DEFAULT_LOCAL_CHUNK_ROWS,
  DEFAULT_LOCAL_CONCURRENCY,
  DEFAULT_MODEL_DIR,
  LocalPipeline,
  type LocalRun,
} from "../runtime/local-pipeline.ts";
import { assertPythonReady } from "../runtime/processing-job-runner.ts";
import { formatReportText } from "../report/text.ts";
import { UsageError, type CommandContext, type OptionSpec, type ParsedArgs } from "./command.ts";
import { EXIT } from "./exit-codes.mjs";
import { shardProgress, type ShardProgress } from "./shard-progress.ts";

/** The options of the commands that run the workflow here (run, replay). */
export const WORKFLOW_OPTIONS: Record<string, OptionSpec> = {
  model: { type: "string", value: "DIR", description: `the Hugging Face model the GPU job loads (default ${DEFAULT_MODEL_DIR})` },
  concurrency: {
    type: "string",
    value: "N",
    description: `shards scored at once, the local stand-in for the GPU quota (default ${DEFAULT_LOCAL_CONCURRENCY})`,
  },
  "chunk-rows": {
    type: "string",
    value: "N",
    description: `headlines per checkpoint chunk the GPU job writes (default ${DEFAULT_LOCAL_CHUNK_ROWS})`,
  },
  capacity: {
    type: "string",
    value: "KIND",
    description: "on-demand (default: a processing job per shard) or spot (the same container as a managed-spot training job)",
  },
};

/** --capacity, or a UsageError. */
export function capacityOption(values: ParsedArgs["values"]): Capacity | undefined {
  const raw = values.capacity;
  if (raw === undefined) return undefined;
  const parsed = z.enum(CAPACITIES).safeParse(raw);
  if (!parsed.success) throw new UsageError(`--capacity is on-demand or spot, not "${String(raw)}"`);
  return parsed.data;
}

const Count = z.coerce.number().int().min(1);

/** A whole-number flag, or a UsageError naming it. */
export function countOption(values: ParsedArgs["values"], name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const parsed = Count.max(max).safeParse(raw);
  if (!parsed.success) throw new UsageError(`--${name} wants a whole number from 1 to ${max}, not "${String(raw)}"`);
  return parsed.data;
}

/** The --model directory (default the starter model), checked to hold a model, with the Python that runs gpu-job. */
export function modelDirFor(values: ParsedArgs["values"]): string {
  const model = path.resolve(typeof values.model === "string" ? values.model : DEFAULT_MODEL_DIR);
  if (!existsSync(path.join(model, "config.json")) && !existsSync(path.join(model, "model.tar.gz"))) {
    throw new BadInputError(
      `there is no Hugging Face model in ${model} (no config.json, no model.tar.gz)`,
      `"make setup" provides ${DEFAULT_MODEL_DIR}; or pass --model DIR`,
    );
  }
  assertPythonReady();
  return model;
}

/**
 * The local pipeline over the command's lake, with its shard events going to whatever progress is
 * current; `holderName` is how the lake's locks name this process ("goldpipe run"). Temporary
 * folders that killed goldpipe processes left behind are removed first.
 */
export async function localPipelineFor(
  values: ParsedArgs["values"],
  context: CommandContext,
  holderName: string,
  options: { createRoot?: boolean } = {},
) {
  const model = modelDirFor(values);
  const chaos = parseChaos(process.env.GOLDPIPE_CHAOS);
  if (chaos) context.stderr.write(`GOLDPIPE_CHAOS=${process.env.GOLDPIPE_CHAOS}: GPU job attempts will fail on purpose\n`);
  await sweepLeftoverTemporaryFolders();
  let progress: ShardProgress | undefined;
  const pipeline = new LocalPipeline({
    lake: context.lake,
    store: openLakeStore(context.lake, options),
    metrics: new JsonlMetrics(localMetricsPath(context.lake)),
    holderName,
    killSwitch: killSwitchOfThisProcess(),
    model,
    concurrency: countOption(values, "concurrency", 40),
    chunkRows: countOption(values, "chunk-rows"),
    capacity: capacityOption(values),
    chaos,
    onShard: (_runId, event) => progress?.onShard(event),
  });
  /** Follows a started run to its end (with progress when this process executes it) and answers its report. */
  const follow = async (run: LocalRun): Promise<RunReport> => {
    if (run.executedBy) {
      context.stderr.write(`run ${run.run_id} is being executed by ${run.executedBy}: waiting for it to end\n`);
    } else {
      const manifest = await readManifest(pipeline.store, run.run_id);
      const shards = (manifest?.shards ?? []).filter((shard) => run.shards.includes(shard.index));
      progress = shardProgress(context.stderr, shards, pipeline.settings.job.chunk_rows);
    }
    const end = await run.finished.finally(() => progress?.stop());
    if (end.status !== "SUCCEEDED")
      throw new Error(`the workflow of run ${run.run_id} ended ${end.status}: ${end.error ?? "no error given"}`);
    return RunReportSchema.parse(end.output);
  };
  return { pipeline, follow };
}

/**
 * Prints the reports of the runs a command finished (one JSON object for one run, an array for
 * several); the exit code says whether each is whole.
 */
export function printReports(reports: RunReport[], context: CommandContext): number {
  if (context.json) {
    const json = reports.length === 1 ? reports[0] : reports;
    context.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    context.stdout.write(reports.map(formatReportText).join("\n"));
  }
  return reports.every((report) => report.status === "Succeeded") ? EXIT.ok : EXIT.partiallyFailed;
}

/**
 * Runs a command's work with SIGINT and SIGTERM stopping it cleanly: the GPU jobs are stopped, the
 * executions end, temporary folders go, and each run left unfinished is named with what replay (or
 * the next goldpipe run) has left to do. A second signal leaves at once. The exit code is then 128 +
 * the signal's number.
 */
export async function stopOnSignals(pipeline: LocalPipeline, context: CommandContext, work: () => Promise<number>): Promise<number> {
  let caught: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (caught) {
      context.stderr.write(`goldpipe: ${signal} again: leaving now; the next goldpipe run resumes what was running\n`);
      process.exit(128 + constants.signals[signal]);
    }
    caught = signal;
    context.stderr.write(`\ngoldpipe: ${signal}: stopping the GPU jobs and the workflow (again to leave at once)\n`);
    void pipeline.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const code = await work();
    if (!caught) return code;
  } catch (error) {
    if (!caught) throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  await pipeline.stop();
  for (const left of await pipeline.leftUnfinished()) context.stderr.write(`goldpipe: ${left}\n`);
  return 128 + constants.signals[caught];
}
