import { mkdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { BadInputError } from "../../../functions/core/errors.ts";
import { findIngestRecord } from "../../../functions/core/ingest/ingest-record.ts";
import { RunReportSchema } from "../../../functions/core/lake/report.ts";
import { parseScheduleConfig, ScheduleConfigSchema } from "../../../functions/core/scheduling/schedule-config.ts";
import { DEFAULT_SHARD_SIZE } from "../../../functions/core/orchestration/seal.ts";
import { ingestLocalFiles } from "../../ingest-files.ts";
import { realClock } from "../../watch/clock.ts";
import { WatchView } from "../../watch/view.ts";
import { Watch, watchLogPath, type StartedRun, type WatchRuntime } from "../../watch/watch.ts";
import type { LocalRun } from "../../runtime/local-pipeline.ts";
import { UsageError, type Command, type ParsedArgs } from "../command.ts";
import { EXIT } from "../exit-codes.mjs";
import { countOption, localPipelineFor, WORKFLOW_OPTIONS } from "../local-run.ts";
import { REALTIME_OPTIONS, realtimeRouteFor } from "../realtime-options.ts";

const watch: Command = {
  name: "watch",
  summary: "keep a local pipeline running: ingest files dropped into a folder, seal runs by the market calendar, score them",
  usage:
    "goldpipe watch [DIR] [--lake DIR] [--config FILE] [--model DIR] " +
    "[--shard-size N] [--concurrency N] [--chunk-rows N] [--settle-seconds S] [--quiet-seconds S] [--start-at TIME] " +
    "[--realtime-url URL --realtime-config FILE] [--json]",
  options: {
    ...WORKFLOW_OPTIONS,
    ...REALTIME_OPTIONS,
    "shard-size": { type: "string", value: "N", description: `headlines per shard (default ${DEFAULT_SHARD_SIZE})` },
    config: {
      type: "string",
      value: "FILE",
      description: "the schedule, YAML or JSON (docs/scheduling.md; default: COMEX gold sessions, 15 min freshness)",
    },
    "settle-seconds": {
      type: "string",
      value: "S",
      description: "how long a dropped file must hold still, with nobody writing to it, before it is read (default 2)",
    },
    "quiet-seconds": {
      type: "string",
      value: "S",
      description: "how long a file read must stay unchanged before it goes to ingested/; rows added before are read too (default 30)",
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
    const settleMs = secondsOption(values, "settle-seconds") ?? 2_000;
    const quietMs = secondsOption(values, "quiet-seconds") ?? 15 * settleMs;
    await mkdir(context.lake, { recursive: true });
    // From here on the lake is not made again: removed under watch, it stops watch.
    const { pipeline } = await localPipelineFor(values, context, "goldpipe watch", { createRoot: false });
    const realtime = await realtimeRouteFor(values);

    const startedRun = (run: LocalRun): StartedRun => ({
      runId: run.run_id,
      shards: run.shards.length,
      rows: run.rows,
      finished: run.finished.then((end) => {
        if (end.status !== "SUCCEEDED") throw new Error(end.error ?? `the workflow ended ${end.status}`);
        const report = RunReportSchema.parse(end.output);
        return { status: report.status, rowsCurated: report.rows_curated };
      }),
    });
    const runtime: WatchRuntime = {
      store: pipeline.store,
      shardRows,
      async ingest(drops) {
        const { files: results } = await ingestLocalFiles([...drops], { lake: context.lake, createLake: false, realtime });
        return Promise.all(
          results.map(async (result, i) => {
            const skipped = drops[i]?.skipRows ?? 0;
            if (result.error !== null) {
              return {
                file: result.path,
                rowsInContent: skipped,
                unreadable: result.error,
                rowsValid: 0,
                rowsQuarantined: 0,
                rejected: undefined,
                duplicateOf: undefined,
              };
            }
            // A repeat brought nothing itself: its bytes hold the rows of the drop it repeats.
            const earlier = result.duplicate_of === null ? undefined : await findIngestRecord(pipeline.store, result.sha256 ?? "");
            return {
              file: result.path,
              rowsInContent: earlier ? earlier.rows_skipped + earlier.rows_read : skipped + result.rows_read,
              unreadable: undefined,
              rowsValid: result.rows_valid,
              rowsQuarantined: result.rows_quarantined,
              rejected: result.bad_file?.reason,
              duplicateOf: result.duplicate_of ?? undefined,
            };
          }),
        );
      },
      async seal(trigger) {
        const run = await pipeline.seal({ trigger, shardSize: shardRows });
        return run && startedRun(run);
      },
      async resume() {
        const unfinished = (await pipeline.unfinishedRuns()).find((run) => run.heldBy === undefined);
        return unfinished && startedRun(await pipeline.replay(unfinished.manifest.run_id));
      },
    };

    const watcher = new Watch({
      dir,
      lake: context.lake,
      runtime,
      config,
      clock,
      view: new WatchView(context.stdout, context.json),
      settleMs,
      quietMs,
    });
    let signals = 0;
    const onSignal = () => {
      signals++;
      if (signals === 2) {
        context.stderr.write("goldpipe watch: stopping now; the unfinished run is resumed at the next start (or: goldpipe replay)\n");
      }
      watcher.stop();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      await watcher.run();
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      // A run left behind (stopped twice, or a lake gone): its jobs are stopped and their folders removed.
      await pipeline.stop();
    }
    if (!context.json) context.stderr.write(`goldpipe watch: stopped; its log is ${watchLogPath(context.lake)}\n`);
    return signals >= 2 ? EXIT.interrupted : EXIT.ok;
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

function secondsOption(values: ParsedArgs["values"], name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const parsed = z.coerce.number().positive().max(86_400).safeParse(raw);
  if (!parsed.success) throw new UsageError(`--${name} wants a number of seconds above 0, not "${String(raw)}"`);
  return parsed.data * 1000;
}

function startAt(value: ParsedArgs["values"][string]): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = z.iso.datetime({ offset: true }).safeParse(value);
  if (!parsed.success) throw new UsageError(`--start-at wants an ISO 8601 time such as 2026-01-13T10:00:00-05:00, not "${String(value)}"`);
  return new Date(parsed.data);
}
