import { BadInputError } from "../../../functions/core/errors.ts";
import { isUnfinished, readManifest, type RunManifest } from "../../../functions/core/orchestration/manifest.ts";
import { allManifests } from "../../../functions/core/orchestration/runs.ts";
import { shardState, type ShardState } from "../../../functions/core/orchestration/shard-state.ts";
import type { ShardAttempt } from "../../aws/processing-jobs.ts";
import { DirectoryObjectStore } from "../../adapters/directory-object-store.ts";
import { formatTable } from "../../query/result-format.ts";
import { AWS_OPTIONS, awsStack, awsTargetOf, type AwsStack } from "../../aws/target.ts";
import { UsageError, type Command, type CommandContext } from "../command.ts";
import { EXIT } from "../exit-codes.mjs";

const status: Command = {
  name: "status",
  summary: "list the runs and their state, or one run's shards (with --aws, also its GPU jobs)",
  usage: "goldpipe status [RUN_ID] [--lake DIR | --aws [--stage STAGE]] [--json]",
  options: AWS_OPTIONS,
  async run({ positionals, values }, context) {
    if (positionals.length > 1) throw new UsageError("give at most one RUN_ID");
    const target = await awsTargetOf(values);
    const stack = target ? awsStack(target) : undefined;
    const store = stack?.store ?? new DirectoryObjectStore(context.lake);
    const where = target ? `the stack ${target.stackName}` : context.lake;
    const runId = positionals[0];
    if (runId === undefined) {
      listRuns(await allManifests(store), where, context);
      return EXIT.ok;
    }
    const manifest = await readManifest(store, runId);
    if (!manifest) throw new BadInputError(`no run ${runId} in ${where}`, "goldpipe status lists the runs");
    const shards = await Promise.all(manifest.shards.map((shard) => shardState(store, runId, shard)));
    const jobs = stack ? await jobsOf(stack, manifest) : undefined;
    showRun(manifest, shards, jobs, context);
    return EXIT.ok;
  },
};
export default status;

/** Every processing job (attempt) the run's executions started, by shard. */
async function jobsOf(stack: AwsStack, manifest: RunManifest): Promise<Map<number, ShardAttempt[]>> {
  const attempts = (await Promise.all(manifest.executions.map((name) => stack.processingJobs.attemptsOf(name)))).flat();
  const byShard = new Map<number, ShardAttempt[]>();
  for (const attempt of attempts) byShard.set(attempt.shard, [...(byShard.get(attempt.shard) ?? []), attempt]);
  return byShard;
}

function listRuns(runs: RunManifest[], where: string, context: CommandContext): void {
  if (context.json) context.stdout.write(`${JSON.stringify(runs.map(runLine), null, 2)}\n`);
  else if (runs.length === 0) context.stdout.write(`no runs in ${where} yet: "goldpipe run FILE" makes one\n`);
  else context.stdout.write(table(runs.map(runLine)));
}

function showRun(
  manifest: RunManifest,
  shards: ShardState[],
  jobs: Map<number, ShardAttempt[]> | undefined,
  context: CommandContext,
): void {
  const lines = shards.map((shard) => ({ ...shardLine(shard), ...(jobs && jobsLine(jobs.get(shard.index) ?? [])) }));
  if (context.json) {
    context.stdout.write(`${JSON.stringify({ ...runLine(manifest), shards: lines }, null, 2)}\n`);
    return;
  }
  const line = runLine(manifest);
  context.stdout.write(
    `run ${manifest.run_id}: ${line.status} (${manifest.trigger}, sealed ${manifest.created_at}` +
      `${manifest.finished_at ? `, finished ${manifest.finished_at}` : ""})\n` +
      `${manifest.rows.toLocaleString("en-US")} headlines in ${manifest.shards.length} shard(s), ` +
      `${manifest.duplicates} duplicate(s) dropped at sealing; executions: ${manifest.executions.join(", ")}\n\n` +
      table(lines),
  );
  if (isUnfinished(manifest)) {
    context.stdout.write(
      "\nnot finished: unless its workflow is running now, the next goldpipe run or watch resumes it, " +
        `or: goldpipe replay ${manifest.run_id}\n`,
    );
  } else if (shards.some((shard) => shard.state === "failed")) {
    context.stdout.write(`\nreplay the failed shards with: goldpipe replay ${manifest.run_id}\n`);
  }
}

/** Sealed and Merging mean no execution has finished it yet (one is running now, or one stopped midway). */
const runLine = (manifest: RunManifest) => ({
  run_id: manifest.run_id,
  created_at: manifest.created_at,
  trigger: manifest.trigger,
  status: isUnfinished(manifest) ? `${manifest.status} (not finished)` : manifest.status,
  shards: manifest.shards.length,
  shards_failed: manifest.shards.filter((shard) => shard.status === "failed").length,
  rows: manifest.rows,
});

const shardLine = (shard: ShardState) => ({
  shard: shard.index,
  rows: shard.rows,
  state: shard.state,
  chunks: shard.chunks,
  error: shard.error ?? "",
});

/** A shard's GPU jobs: how many were started, and the latest one. */
const jobsLine = (attempts: ShardAttempt[]) => {
  const last = attempts.at(-1);
  return { jobs: attempts.length, last_job: last ? `${last.name} ${last.status}` : "" };
};

function table(rows: Record<string, string | number>[]): string {
  const columns = Object.keys(rows[0] ?? {}).map((name) => ({ name, type: "" }));
  return formatTable({ columns, rows });
}
