import { mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { BadInputError } from "../../../functions/core/errors.ts";
import { RunReportSchema } from "../../../functions/core/lake/report.ts";
import { parseScheduleConfig, ScheduleConfigSchema } from "../../../functions/core/scheduling/schedule-config.ts";
import { DEFAULT_SHARD_SIZE } from "../../../functions/core/orchestration/seal.ts";
import { ingestLocalFiles } from "../../ingest-files.ts";
import { realClock } from "../../watch/clock.ts";
import { WatchView } from "../../watch/view.ts";
import { Watch, watchLogPath, type WatchRuntime } from "../../watch/watch.ts";
import { EXIT, UsageError, type Command, type ParsedArgs } from "../command.ts";
import { countOption, localPipelineFor, WORKFLOW_OPTIONS } from "../local-run.ts";
import { REALTIME_OPTIONS, realtimeRouteFor } from "../realtime-options.ts";
import { allManifests } from "./status.ts";

const watch: Command = {
  name: "watch",
  summary: "keep a local pipeline running: ingest files dropped into a folder, seal runs by the market calendar, score them",
  usage:
    "goldpipe watch [DIR] [--lake DIR] [--config FILE] [--model DIR] " +
    "[--shard-size N] [--concurrency N] [--chunk-rows N] [--start-at TIME] [--json]",
  options: {
    ...WORKFLOW_OPTIONS,
    ...REALTIME_OPTIONS,
    "shard-size": { type: "string", value: "N", description: `headlines per shard (default ${DEFAULT_SHARD_SIZE})` },
    config: {
      type: "string",
      value: "FILE",
      description: "the schedule, YAML or JSON (docs/scheduling.md; default: COMEX gold sessions, 15 min freshness)",
    },
    "start-at": {
      type: "string",
      value: "TIME",
      description: "run the scheduler's clock from this ISO 8601 time, to try the schedule outside market hours",
    },
  },
  async run({ positionals, values }, context) {
    if (positionals.length > 1) throw new UsageError("watch takes one folder");
    const dir = path.resolve(positionals[0] ?? "drop");
    const clock = realClock(startAt(values["start-at"]));
    const config = await scheduleConfig(values.config);
    await ensureFolder(dir);
    const shardRows = countOption(values, "shard-size") ?? DEFAULT_SHARD_SIZE;
    const { pipeline } = localPipelineFor(values, context);
    const realtime = await realtimeRouteFor(values);

    const runtime: WatchRuntime = {
      store: pipeline.store,
      shardRows,
      async ingest(files) {
        const { files: results } = await ingestLocalFiles([...files], { lake: context.lake, realtime });
        return results.map((result) =>
          result.error !== null
            ? { file: result.path, unreadable: result.error, rowsValid: 0, rowsQuarantined: 0, rejected: undefined, duplicateOf: undefined }
            : {
                file: result.path,
                unreadable: undefined,
                rowsValid: result.rows_valid,
                rowsQuarantined: result.rows_quarantined,
                rejected: result.bad_file?.reason,
                duplicateOf: result.duplicate_of ?? undefined,
              },
        );
      },
      async seal(trigger) {
        const run = await pipeline.seal({ trigger, shardSize: shardRows });
        if (!run) return undefined;
        return {
          runId: run.run_id,
          shards: run.shards.length,
          rows: run.rows,
          finished: run.finished.then((end) => {
            if (end.status !== "SUCCEEDED") throw new Error(end.error ?? `the workflow ended ${end.status}`);
            const report = RunReportSchema.parse(end.output);
            return { status: report.status, rowsCurated: report.rows_curated };
          }),
        };
      },
    };

    const watcher = new Watch({
      dir,
      lake: context.lake,
      runtime,
      config,
      clock,
      view: new WatchView(context.stdout, context.json),
    });
    for (const run of await allManifests(pipeline.store)) {
      if (run.status === "Sealed") {
        context.stderr.write(
          `goldpipe watch: run ${run.run_id} is not finished (stopped midway, or running elsewhere); ` +
            `"goldpipe replay ${run.run_id}" finishes it\n`,
        );
      }
    }
    let signals = 0;
    const onSignal = () => {
      signals++;
      if (signals === 2) context.stderr.write("goldpipe watch: stopping now; the unfinished run is left for goldpipe replay\n");
      watcher.stop();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      await watcher.run();
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    if (!context.json) context.stderr.write(`goldpipe watch: stopped; its log is ${watchLogPath(context.lake)}\n`);
    // Stopped twice: a run's workflow and its jobs are still going in this process; leave them.
    if (signals >= 2) process.exit(130);
    return EXIT.ok;
  },
};
export default watch;

async function ensureFolder(dir: string): Promise<void> {
  const stats = await stat(dir).catch(() => undefined);
  if (stats && !stats.isDirectory()) throw new BadInputError(`${dir} is not a folder`, "give the folder to watch for dropped files");
  if (!stats) await mkdir(dir, { recursive: true });
}

async function scheduleConfig(file: ParsedArgs["values"][string]) {
  if (typeof file !== "string") return ScheduleConfigSchema.parse({});
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new BadInputError(`cannot read the schedule configuration ${file} (${error.code ?? error.message})`);
  });
  return parseScheduleConfig(text, file);
}

function startAt(value: ParsedArgs["values"][string]): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = z.iso.datetime({ offset: true }).safeParse(value);
  if (!parsed.success) throw new UsageError(`--start-at wants an ISO 8601 time such as 2026-01-13T10:00:00-05:00, not "${String(value)}"`);
  return new Date(parsed.data);
}
