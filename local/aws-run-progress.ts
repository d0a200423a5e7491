import { ExecutionDoesNotExist } from "@aws-sdk/client-sfn";
import type { ShardAttempt, SageMakerProcessingJobs } from "../functions/aws/processing-jobs.ts";
import { executionArnFor, type StepFunctionsWorkflow } from "../functions/aws/step-functions-workflow.ts";
import type { RunManifest } from "../functions/core/manifest.ts";
import type { ExecutionDescription } from "../functions/core/ports.ts";

/** What AWS knows of a run beyond its manifest: its latest workflow execution and each shard's latest GPU job. */
export interface RunProgressOnAws {
  execution: { name: string; arn: string; status: ExecutionDescription["status"] | "NOT_FOUND"; error: string | null };
  /** The latest processing job of each shard the latest execution has started one for, by shard index. */
  jobs: Map<number, ShardAttempt>;
}

export async function runProgressOnAws(
  stack: { target: { stateMachineArn: string }; workflow: StepFunctionsWorkflow; processingJobs: SageMakerProcessingJobs },
  manifest: RunManifest,
): Promise<RunProgressOnAws> {
  const name = manifest.executions.at(-1);
  if (name === undefined) throw new Error(`run ${manifest.run_id}'s manifest lists no workflow execution`);
  const arn = executionArnFor(stack.target.stateMachineArn, name);
  const [execution, attempts] = await Promise.all([describeOrMissing(stack.workflow, arn), stack.processingJobs.attemptsOf(name)]);
  const jobs = new Map<number, ShardAttempt>();
  for (const attempt of attempts) jobs.set(attempt.shard, attempt);
  return { execution: { name, arn, status: execution.status, error: execution.error ?? null }, jobs };
}

async function describeOrMissing(workflow: StepFunctionsWorkflow, arn: string) {
  try {
    return await workflow.describe(arn);
  } catch (error) {
    // Seal writes the manifest before it starts the execution; a crash in between leaves none.
    if (error instanceof ExecutionDoesNotExist) return { status: "NOT_FOUND" as const, error: "no such execution: seal again to start it" };
    throw error;
  }
}
