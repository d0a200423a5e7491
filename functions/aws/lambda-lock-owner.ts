import type { Context } from "aws-lambda";
import { executionLiveness, type LockingPorts } from "../core/orchestration/run-lock.ts";
import type { AwsAdapters } from "./adapters.ts";

/** A lock outlives its Lambda holder by this much: past it, the invocation has surely ended. */
const LAMBDA_LOCK_MARGIN_MS = 60_000;

/**
 * The ports of a function that takes locks (seal, scheduled-seal): the store and the workflow, and
 * the invocation as the lock owner. A Lambda cannot outlive its timeout, so its locks expire when it
 * would have been stopped; a lock naming an execution lives as long as the execution runs.
 */
export function lambdaLockingPorts(
  adapters: Pick<AwsAdapters, "store" | "workflow">,
  context: Pick<Context, "functionName" | "awsRequestId" | "getRemainingTimeInMillis">,
): LockingPorts {
  const { store, workflow } = adapters;
  return {
    store,
    workflow,
    owner: {
      holder: { name: `Lambda ${context.functionName} (request ${context.awsRequestId})` },
      ttlMs: context.getRemainingTimeInMillis() + LAMBDA_LOCK_MARGIN_MS,
      liveness: executionLiveness(workflow),
    },
  };
}
