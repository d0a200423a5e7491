import { BadInputError } from "../errors.ts";
import { successKey } from "../lake-keys.ts";
import { describeLock } from "./lock.ts";
import { readManifest, writeManifest } from "./manifest.ts";
import { executionName, prepareRunExecution, type RunSettings } from "./run-input.ts";
import { startRunExecution, type LockingPorts } from "./run-lock.ts";

export interface ReplayResult {
  run_id: string;
  execution_id: string;
  /** The shards this execution scores again: those without a success checkpoint. */
  shards: number[];
  /** Headlines in those shards. */
  rows: number;
}

/** A run that another execution is executing now: replaying it too would score its shards twice. */
export class RunBusyError extends BadInputError {
  override name = "RunBusyError";
}

/**
 * Starts a new execution of a run over only its shards that have no success checkpoint; done
 * shards are never scored (or paid for) twice. The execution then finalizes, merges and reports
 * the whole run again, which the merge does idempotently. It takes the run's lock: while another
 * execution holds it, the replay is refused with a RunBusyError naming the holder.
 */
export async function replayRun(ports: LockingPorts, request: { run_id: string; settings: RunSettings }): Promise<ReplayResult> {
  const { store } = ports;
  const manifestOf = async () => {
    const manifest = await readManifest(store, request.run_id);
    if (!manifest) throw new BadInputError(`there is no run ${request.run_id} in this lake`, '"goldpipe status" lists the runs');
    return manifest;
  };
  await manifestOf();
  let unfinished: number[] = [];
  let rows = 0;
  const started = await startRunExecution(ports, {
    runId: request.run_id,
    // Under the run's lock: the manifest as the last execution left it.
    prepare: async () => {
      const manifest = await manifestOf();
      unfinished = [];
      rows = 0;
      for (const shard of manifest.shards) {
        if (await store.head(successKey(manifest.run_id, shard.index))) continue;
        unfinished.push(shard.index);
        rows += shard.rows;
      }
      const name = executionName(manifest.run_id, manifest.executions.length);
      await writeManifest(store, { ...manifest, executions: [...manifest.executions, name] });
      return prepareRunExecution(store, manifest, request.settings, name, unfinished);
    },
  });
  if (!started.started) {
    throw new RunBusyError(
      `run ${request.run_id} is being executed now by ${describeLock(started.heldBy)}`,
      "wait for it to end (goldpipe status shows it); a holder that died is taken over once its lock expires",
    );
  }
  return { run_id: request.run_id, execution_id: started.executionId, shards: unfinished, rows };
}
