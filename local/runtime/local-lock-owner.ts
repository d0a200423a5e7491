import os from "node:os";
import type { LockOwner } from "../../functions/core/orchestration/lock.ts";
import { executionLiveness } from "../../functions/core/orchestration/run-lock.ts";
import type { Workflow } from "../../functions/core/ports.ts";
import { processExists } from "./process-exists.ts";

/** How long a local lock stays valid without a renewal; a run's lock is renewed well within it. */
export const LOCAL_LOCK_TTL_MS = 2 * 60_000;
export const LOCAL_LOCK_RENEW_MS = 20_000;

/**
 * This process as a lock owner (`goldpipe run (pid 4242 on laptop)`). Another holder on this
 * machine is alive exactly while its process is: a `kill -9` frees its locks at once. This
 * process's own run lock lives while its execution does. A holder on another machine (a lake on a
 * shared disk) is alive until its lock expires unrenewed.
 */
export function localLockOwner(name: string, workflow?: Workflow): LockOwner {
  const host = os.hostname();
  const execution = workflow ? executionLiveness(workflow) : async () => undefined;
  return {
    holder: { name, host, pid: process.pid },
    ttlMs: LOCAL_LOCK_TTL_MS,
    liveness: async (holder) => {
      if (holder.pid === undefined || holder.host !== host) return undefined;
      if (!processExists(holder.pid)) return false;
      if (holder.pid !== process.pid || holder.execution === undefined) return true;
      return (await execution(holder)) ?? true;
    },
  };
}
