import { BadInputError } from "../errors.ts";
import { successKey } from "../lake-keys.ts";
import { readManifest, writeManifest } from "./manifest.ts";
import type { ObjectStore, Workflow } from "../ports.ts";
import { executionName, startRunExecution, type RunSettings } from "./run-input.ts";

export interface ReplayResult {
  run_id: string;
  execution_id: string;
  /** The shards this execution scores again: those without a success checkpoint. */
  shards: number[];
  /** Headlines in those shards. */
  rows: number;
}

/**
 * Starts a new execution of a run over only its shards that have no success checkpoint; done
 * shards are never scored (or paid for) twice. The execution then finalizes, merges and reports
 * the whole run again, which the merge does idempotently.
 */
export async function replayRun(
  ports: { store: ObjectStore; workflow: Workflow },
  request: { run_id: string; settings: RunSettings },
): Promise<ReplayResult> {
  const { store } = ports;
  const manifest = await readManifest(store, request.run_id);
  if (!manifest) {
    throw new BadInputError(`there is no run ${request.run_id} in this lake`, '"goldpipe status" lists the runs');
  }
  const unfinished: number[] = [];
  let rows = 0;
  for (const shard of manifest.shards) {
    if (await store.head(successKey(manifest.run_id, shard.index))) continue;
    unfinished.push(shard.index);
    rows += shard.rows;
  }
  const name = executionName(manifest.run_id, manifest.executions.length);
  await writeManifest(store, { ...manifest, executions: [...manifest.executions, name] });
  const started = await startRunExecution(ports, manifest, request.settings, name, unfinished);
  return { run_id: manifest.run_id, execution_id: started.executionId, shards: unfinished, rows };
}
