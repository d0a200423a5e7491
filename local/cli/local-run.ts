import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { BadInputError } from "../../functions/core/errors.ts";
import { readManifest } from "../../functions/core/orchestration/manifest.ts";
import { RunReportSchema } from "../../functions/core/lake/report.ts";
import { DirectoryObjectStore } from "../adapters/directory-object-store.ts";
import { JsonlMetrics, localMetricsPath } from "../adapters/jsonl-metrics.ts";
import { parseChaos } from "../runtime/chaos.ts";
import {
  DEFAULT_LOCAL_CHUNK_ROWS,
  DEFAULT_LOCAL_CONCURRENCY,
  DEFAULT_MODEL_DIR,
  LocalPipeline,
  type LocalRun,
} from "../runtime/local-pipeline.ts";
import { assertPythonReady } from "../runtime/processing-job-runner.ts";
import { formatReportText } from "../report/text.ts";
import { EXIT, UsageError, type CommandContext, type OptionSpec, type ParsedArgs } from "./command.ts";
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
};

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

/** The local pipeline over the command's lake, with its shard events going to whatever progress is current. */
export function localPipelineFor(values: ParsedArgs["values"], context: CommandContext) {
  const model = modelDirFor(values);
  const chaos = parseChaos(process.env.GOLDPIPE_CHAOS);
  if (chaos) context.stderr.write(`GOLDPIPE_CHAOS=${process.env.GOLDPIPE_CHAOS}: GPU job attempts will fail on purpose\n`);
  let progress: ShardProgress | undefined;
  const pipeline = new LocalPipeline({
    lake: context.lake,
    store: new DirectoryObjectStore(context.lake),
    metrics: new JsonlMetrics(localMetricsPath(context.lake)),
    model,
    concurrency: countOption(values, "concurrency", 40),
    chunkRows: countOption(values, "chunk-rows"),
    chaos,
    onShard: (_runId, event) => progress?.onShard(event),
  });
  /** Follows a started run to its end with progress, prints its report; the exit code says whether the run is whole. */
  const follow = async (run: LocalRun): Promise<number> => {
    const manifest = await readManifest(pipeline.store, run.run_id);
    const shards = (manifest?.shards ?? []).filter((shard) => run.shards.includes(shard.index));
    progress = shardProgress(context.stderr, shards, pipeline.settings.job.chunk_rows);
    const end = await run.finished.finally(() => progress?.stop());
    if (end.status !== "SUCCEEDED")
      throw new Error(`the workflow of run ${run.run_id} ended ${end.status}: ${end.error ?? "no error given"}`);
    const report = RunReportSchema.parse(end.output);
    context.stdout.write(context.json ? `${JSON.stringify(report, null, 2)}\n` : formatReportText(report));
    return report.status === "Succeeded" ? EXIT.ok : EXIT.partiallyFailed;
  };
  return { pipeline, follow };
}
