import { BadInputError } from "../../../functions/core/errors.ts";
import { RUNS_PREFIX } from "../../../functions/core/lake-keys.ts";
import { readManifest, type RunManifest } from "../../../functions/core/manifest.ts";
import { shardState, type ShardState } from "../../../functions/core/shard-state.ts";
import { DirectoryObjectStore } from "../../adapters/directory-object-store.ts";
import { formatTable } from "../../result-format.ts";
import { EXIT, UsageError, type Command } from "../command.ts";

const status: Command = {
  name: "status",
  summary: "list the runs in the lake and their state, or one run's shards",
  usage: "goldpipe status [RUN_ID] [--lake DIR] [--json]",
  async run({ positionals }, context) {
    if (positionals.length > 1) throw new UsageError("give at most one RUN_ID");
    const store = new DirectoryObjectStore(context.lake);
    const runId = positionals[0];
    if (runId === undefined) {
      const runs = await allManifests(store);
      if (context.json) {
        context.stdout.write(`${JSON.stringify(runs.map(runLine), null, 2)}\n`);
      } else if (runs.length === 0) {
        context.stdout.write(`no runs in ${context.lake} yet: "goldpipe run FILE" makes one\n`);
      } else {
        context.stdout.write(table(runs.map(runLine)));
      }
      return EXIT.ok;
    }
    const manifest = await readManifest(store, runId);
    if (!manifest) throw new BadInputError(`no run ${runId} in ${context.lake}`, "goldpipe status lists the runs; --lake DIR picks another lake");
    const shards = await Promise.all(manifest.shards.map((shard) => shardState(store, runId, shard)));
    if (context.json) {
      context.stdout.write(`${JSON.stringify({ ...runLine(manifest), shards }, null, 2)}\n`);
      return EXIT.ok;
    }
    const line = runLine(manifest);
    context.stdout.write(
      `run ${manifest.run_id}: ${line.status} (${manifest.trigger}, sealed ${manifest.created_at}${manifest.finished_at ? `, finished ${manifest.finished_at}` : ""})\n` +
        `${manifest.rows.toLocaleString("en-US")} headlines in ${manifest.shards.length} shard(s), ${manifest.duplicates} duplicate(s) dropped at sealing; executions: ${manifest.executions.join(", ")}\n\n` +
        table(shards.map(shardLine)),
    );
    if (manifest.status === "Sealed") {
      context.stdout.write(`\nnot finished: unless a goldpipe process is running it now, finish it with: goldpipe replay ${manifest.run_id}\n`);
    } else if (shards.some((shard) => shard.state === "failed")) {
      context.stdout.write(`\nreplay the failed shards with: goldpipe replay ${manifest.run_id}\n`);
    }
    return EXIT.ok;
  },
};
export default status;

/** Every run in the lake, oldest first. */
export async function allManifests(store: DirectoryObjectStore): Promise<RunManifest[]> {
  const manifests: RunManifest[] = [];
  for await (const object of store.list(RUNS_PREFIX)) {
    const match = /^runs\/([^/]+)\/manifest\.json$/.exec(object.key);
    const manifest = match ? await readManifest(store, match[1]!) : undefined;
    if (manifest) manifests.push(manifest);
  }
  return manifests.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** Sealed means the workflow has not finished it (running now, or stopped before FinalizeRun). */
const runLine = (manifest: RunManifest) => ({
  run_id: manifest.run_id,
  created_at: manifest.created_at,
  trigger: manifest.trigger,
  status: manifest.status === "Sealed" ? "Sealed (not finished)" : manifest.status,
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

function table(rows: Record<string, string | number>[]): string {
  const columns = Object.keys(rows[0] ?? {}).map((name) => ({ name, type: "" }));
  return formatTable({ columns, rows });
}
