import os from "node:os";
import type { Workflow } from "../ports.ts";
import type { ObjectStore } from "../ports.ts";
import { currentLock, rewriteLock, tryLock, type HolderLiveness, type LockOwner, type LockRecord } from "./lock.ts";

/** The lock every seal takes: one seal at a time over pending/, wherever it runs. */
export const SEAL_LOCK = "seal";
/** The lock of one run's execution: one execution of a run at a time. */
export const runLockName = (runId: string) => `runs/${runId}`;

/** How long a lock stays valid when its owner gives no other figure: longer than any Lambda lives. */
export const DEFAULT_LOCK_TTL_MS = 16 * 60_000;

/** What the orchestration functions need to take locks: the store, the workflow, and who is asking. */
export interface LockingPorts {
  store: ObjectStore;
  workflow: Workflow;
  /** Who takes the locks; this process, known only by its expiry, when not given. */
  owner?: LockOwner;
}

/** This process as a lock holder, for callers that bring no owner of their own. */
export function processOwner(name = `process ${process.pid}`): LockOwner {
  return { holder: { name, host: os.hostname(), pid: process.pid }, ttlMs: DEFAULT_LOCK_TTL_MS };
}

/** The ports' owner, or this process with the workflow telling whether an execution holder still runs. */
export function ownerOf(ports: LockingPorts): LockOwner {
  return ports.owner ?? { ...processOwner(), liveness: executionLiveness(ports.workflow) };
}

/**
 * A holder that names an execution lives while the workflow says the execution is running; the
 * workflow's answer about an execution it does not know leaves the question to the expiry.
 */
export function executionLiveness(workflow: Workflow): HolderLiveness {
  return async (holder) => {
    if (holder.execution === undefined) return undefined;
    try {
      return (await workflow.describe(holder.execution)).status === "RUNNING";
    } catch {
      return undefined;
    }
  };
}

export type RunExecutionStart = { started: true; executionId: string; alreadyStarted: boolean } | { started: false; heldBy: LockRecord };

/**
 * Starts an execution of the run unless another one is executing it: the run's lock is taken
 * first, `prepare` runs under it and names the execution and its input (a replay reads the manifest
 * and records its execution there), and the lock then names the execution, whose end frees it
 * wherever nobody releases it (in AWS).
 */
export async function startRunExecution(
  ports: LockingPorts,
  request: { runId: string; prepare: () => Promise<{ name: string; input: unknown }> },
): Promise<RunExecutionStart> {
  const attempt = await tryLock(ports.store, runLockName(request.runId), { ...ownerOf(ports), runId: request.runId });
  if (!attempt.acquired) return { started: false, heldBy: attempt.heldBy };
  try {
    const started = await ports.workflow.start(await request.prepare());
    await rewriteLock(ports.store, attempt.lock, { execution: started.executionId });
    return { started: true, ...started };
  } catch (error) {
    await rewriteLock(ports.store, attempt.lock, { release: true });
    throw error;
  }
}

/** The run's lock while an execution holds it (not released, whoever that is); undefined when the run is free. */
export async function runExecutionLock(store: ObjectStore, runId: string): Promise<LockRecord | undefined> {
  const lock = await currentLock(store, runLockName(runId));
  return lock && lock.released_at === null ? lock : undefined;
}

/** Renews (ttlMs) or releases the run's lock when the execution named holds it; false when it no longer does. */
export async function keepRunLock(
  store: ObjectStore,
  runId: string,
  executionId: string,
  change: { ttlMs: number } | { release: true },
): Promise<boolean> {
  const lock = await runExecutionLock(store, runId);
  if (!lock || lock.holder.execution !== executionId) return false;
  return (await rewriteLock(store, lock, change)) !== undefined;
}
