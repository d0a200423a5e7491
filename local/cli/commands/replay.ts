import { replayRun } from "../../../functions/core/orchestration/replay.ts";
import { AWS_OPTIONS, awsStack, awsTargetOf } from "../../aws/target.ts";
import { UsageError, type Command } from "../command.ts";
import { EXIT } from "../exit-codes.mjs";
import { localPipelineFor, printReports, stopOnSignals, WORKFLOW_OPTIONS } from "../local-run.ts";

const replay: Command = {
  name: "replay",
  summary: "score again only the shards of a run that have no success checkpoint, then merge and report it",
  usage: "goldpipe replay RUN_ID [--lake DIR [--model DIR] [--concurrency N] | --aws [--stage STAGE]] [--json]",
  options: { ...WORKFLOW_OPTIONS, ...AWS_OPTIONS },
  async run({ positionals, values }, context) {
    if (positionals.length !== 1) throw new UsageError("give one RUN_ID (goldpipe status lists the runs)");
    const runId = positionals[0]!;
    const target = await awsTargetOf(values);
    if (target) {
      // In AWS the execution runs for as long as its GPU jobs: start it and say how to follow it.
      const stack = awsStack(target);
      const started = await replayRun(stack, { run_id: runId, settings: await stack.runSettings() });
      context.stdout.write(
        context.json
          ? `${JSON.stringify(started, null, 2)}\n`
          : `run ${runId}: replaying shard(s) ${started.shards.join(", ") || "none (merging again)"} ` +
              `in execution ${started.execution_id}\n` +
              `follow it with: goldpipe status --aws --stage ${target.stage} ${runId}\n`,
      );
      return EXIT.ok;
    }
    const { pipeline, follow } = await localPipelineFor(values, context, "goldpipe replay");
    return stopOnSignals(pipeline, context, async () => {
      const started = await pipeline.replay(runId);
      context.stderr.write(
        started.shards.length === 0
          ? `run ${started.run_id}: every shard is scored; merging and reporting it again\n`
          : `run ${started.run_id}: replaying shard(s) ${started.shards.join(", ")} (${started.rows.toLocaleString("en-US")} headlines)\n`,
      );
      return printReports([await follow(started)], context);
    });
  },
};
export default replay;
