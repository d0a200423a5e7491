import { BadInputError } from "../../../functions/core/errors.ts";
import { DEFAULT_SHARD_SIZE } from "../../../functions/core/orchestration/seal.ts";
import { ingestLocalFiles } from "../../ingest-files.ts";
import { ingestLine } from "../ingest-line.ts";
import { EXIT, UsageError, type Command } from "../command.ts";
import { countOption, localPipelineFor, WORKFLOW_OPTIONS } from "../local-run.ts";
import { REALTIME_OPTIONS, realtimeRouteFor } from "../realtime-options.ts";

const run: Command = {
  name: "run",
  summary: "ingest files, seal what is pending into a run and score it to the end on this machine",
  usage:
    "goldpipe run FILE… [--lake DIR] [--model DIR] [--shard-size N] [--concurrency N] [--realtime-url URL --realtime-config FILE] [--json]",
  options: {
    ...WORKFLOW_OPTIONS,
    ...REALTIME_OPTIONS,
    "shard-size": { type: "string", value: "N", description: `headlines per shard (default ${DEFAULT_SHARD_SIZE})` },
  },
  async run({ positionals, values }, context) {
    if (positionals.length === 0) throw new UsageError("give one or more files of headlines to score");
    const shardSize = countOption(values, "shard-size");
    const { pipeline, follow } = localPipelineFor(values, context);

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

    const started = await pipeline.seal({
      trigger: "manual",
      shardSize,
      files: ingested.files.flatMap((file) => (file.file === null ? [] : [file.file])),
    });
    if (!started) {
      context.stderr.write("nothing to score: these files brought no new headlines (see above)\n");
      if (context.json) context.stdout.write(`${JSON.stringify({ run_id: null, reason: "nothing pending" })}\n`);
      return EXIT.ok;
    }
    context.stderr.write(`run ${started.run_id}: ${started.rows.toLocaleString("en-US")} headlines in ${started.shards.length} shard(s)\n`);
    return follow(started);
  },
};
export default run;
