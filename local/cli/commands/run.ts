import { BadInputError } from "../../../functions/core/errors.ts";
import type { RunReport } from "../../../functions/core/lake/report.ts";
import { successKey } from "../../../functions/core/lake-keys.ts";
import type { RunManifest } from "../../../functions/core/orchestration/manifest.ts";
import { RunBusyError } from "../../../functions/core/orchestration/replay.ts";
import { DEFAULT_SHARD_SIZE } from "../../../functions/core/orchestration/seal.ts";
import type { ObjectStore } from "../../../functions/core/ports.ts";
import { ingestLocalFiles } from "../../ingest-files.ts";
import { ingestLine } from "../ingest-line.ts";
import { UsageError, type Command } from "../command.ts";
import { EXIT } from "../exit-codes.mjs";
import { countOption, localPipelineFor, printReports, stopOnSignals, WORKFLOW_OPTIONS } from "../local-run.ts";
import { REALTIME_OPTIONS, realtimeRouteFor } from "../realtime-options.ts";

const run: Command = {
  name: "run",
  summary: "ingest files, seal what is pending into a run and score it to the end on this machine (resuming unfinished runs first)",
  usage:
    "goldpipe run FILE… [--lake DIR] [--model DIR] [--shard-size N] [--concurrency N] [--capacity on-demand|spot] " +
    "[--realtime-url URL --realtime-config FILE] [--json]",
  options: {
    ...WORKFLOW_OPTIONS,
    ...REALTIME_OPTIONS,
    "shard-size": { type: "string", value: "N", description: `headlines per shard (default ${DEFAULT_SHARD_SIZE})` },
  },
  async run({ positionals, values }, context) {
    if (positionals.length === 0) throw new UsageError("give one or more files of headlines to score");
    const shardSize = countOption(values, "shard-size");
    const { pipeline, follow } = await localPipelineFor(values, context, "goldpipe run");

    return stopOnSignals(pipeline, context, async () => {
      const ingested = await ingestLocalFiles(positionals, {
        lake: context.lake,
        realtime: await realtimeRouteFor(values),
        onProgress: context.stderr.isTTY
          ? (file, { rows }) => context.stderr.write(`\ringesting ${file}: ${rows.toLocaleString("en-US")} rows`)
          : undefined,
      });
      if (context.stderr.isTTY) context.stderr.write("\r\x1b[K");
      for (const file of ingested.files) context.stderr.write(`${ingestLine(file)}\n`);
      if (ingested.files.every((file) => file.error !== null)) {
        throw new BadInputError("none of the files could be read", "check the paths above");
      }
      // These files' headlines: in the lake under their own keys, or under the key of the earlier drop of the same content.
      const ours = new Set(ingested.files.flatMap((file) => (file.file === null ? [] : [file.file, file.duplicate_of ?? file.file])));
      const holdsOurs = (manifest: RunManifest) => manifest.sources.some((source) => ours.has(source.file));
      const reports: RunReport[] = [];
      const resumed: RunReport[] = [];

      for (const unfinished of await pipeline.unfinishedRuns()) {
        if (unfinished.heldBy) continue;
        const { manifest } = unfinished;
        const scored = await scoredShards(pipeline.store, manifest);
        const replay = await pipeline.replay(manifest.run_id).catch((error: unknown) => {
          // Another process took the run up in the meantime: it is followed below if it holds these files.
          if (error instanceof RunBusyError) return undefined;
          throw error;
        });
        if (!replay) continue;
        context.stderr.write(
          `run ${manifest.run_id} was left unfinished (${manifest.status}, ` +
            `${scored} of ${manifest.shards.length} shard(s) scored): resuming it\n`,
        );
        (holdsOurs(manifest) ? reports : resumed).push(await follow(replay));
      }

      const started = await pipeline.seal(
        { trigger: "manual", shardSize, files: ingested.files.flatMap((file) => (file.file === null ? [] : [file.file])) },
        (holder) => context.stderr.write(`waiting for the seal in progress: ${holder}\n`),
      );
      if (started) {
        context.stderr.write(
          `run ${started.run_id}: ${started.rows.toLocaleString("en-US")} headlines in ${started.shards.length} shard(s)\n`,
        );
        reports.push(await follow(started));
      }
      // Another process (a goldpipe watch, another run) may have sealed these files' headlines into its run.
      for (const elsewhere of await pipeline.unfinishedRuns()) {
        if (elsewhere.heldBy && holdsOurs(elsewhere.manifest)) reports.push(await follow(pipeline.followElsewhere(elsewhere)));
      }

      for (const report of reports.length > 0 ? resumed : []) {
        context.stderr.write(
          `resumed run ${report.run_id}: ${report.status}, ${report.rows_curated.toLocaleString("en-US")} headline(s) curated\n`,
        );
      }
      const finished = reports.length > 0 ? reports : resumed;
      if (finished.length === 0) {
        context.stderr.write("nothing to score: these files brought no new headlines (see above)\n");
        if (context.json) context.stdout.write(`${JSON.stringify({ run_id: null, reason: "nothing pending" })}\n`);
        return EXIT.ok;
      }
      const code = printReports(finished, context);
      return [...reports, ...resumed].every((report) => report.status === "Succeeded") ? code : EXIT.partiallyFailed;
    });
  },
};
export default run;

async function scoredShards(store: ObjectStore, manifest: RunManifest): Promise<number> {
  let scored = 0;
  for (const shard of manifest.shards) if (await store.head(successKey(manifest.run_id, shard.index))) scored++;
  return scored;
}
