import { UsageError, type Command } from "../command.ts";
import { localPipelineFor, WORKFLOW_OPTIONS } from "../local-run.ts";

const replay: Command = {
  name: "replay",
  summary: "score again only the shards of a run that have no success checkpoint, then merge and report it",
  usage: "goldpipe replay RUN_ID [--lake DIR] [--model DIR] [--concurrency N] [--json]",
  options: WORKFLOW_OPTIONS,
  async run({ positionals, values }, context) {
    if (positionals.length !== 1) throw new UsageError("give one RUN_ID (goldpipe status lists the runs)");
    const { pipeline, follow } = localPipelineFor(values, context);
    const started = await pipeline.replay(positionals[0]!);
    context.stderr.write(
      started.shards.length === 0
        ? `run ${started.run_id}: every shard is scored; merging and reporting it again\n`
        : `run ${started.run_id}: replaying shard(s) ${started.shards.join(", ")} (${started.rows.toLocaleString("en-US")} headlines)\n`,
    );
    return follow(started);
  },
};
export default replay;
