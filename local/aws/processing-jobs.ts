import { createHash } from "node:crypto";
import { ListProcessingJobsCommand, type SageMakerClient } from "@aws-sdk/client-sagemaker";

/** What `goldpipe status --aws` shows of one processing job (one attempt at one shard). */
export interface ProcessingJobState {
  name: string;
  status: "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";
  failureReason: string | null;
  createdAt: Date | null;
  endedAt: Date | null;
}

export interface ShardAttempt extends ProcessingJobState {
  shard: number;
  attempt: number;
}

/**
 * The names the workflow gives a run's processing jobs (statemachines/pipeline.asl.yaml, ScoreShard):
 * gp-<md5 of the execution name>-<shard index>-<retry count>.
 */
export const processingJobPrefix = (executionName: string) => `gp-${createHash("md5").update(executionName, "utf8").digest("hex")}-`;

const ATTEMPT_SUFFIX = /^(\d+)-(\d+)$/;

/** SageMaker's view of the GPU jobs the workflow started. */
export class SageMakerProcessingJobs {
  readonly #client: SageMakerClient;

  constructor(client: SageMakerClient) {
    this.#client = client;
  }

  /** Every attempt at every shard of one workflow execution, by shard then attempt. */
  async attemptsOf(executionName: string): Promise<ShardAttempt[]> {
    const prefix = processingJobPrefix(executionName);
    const attempts: ShardAttempt[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#client.send(
        new ListProcessingJobsCommand({ NameContains: prefix, MaxResults: 100, ...(nextToken && { NextToken: nextToken }) }),
      );
      nextToken = page.NextToken;
      for (const job of page.ProcessingJobSummaries ?? []) {
        const name = job.ProcessingJobName ?? "";
        const suffix = name.startsWith(prefix) ? ATTEMPT_SUFFIX.exec(name.slice(prefix.length)) : null;
        if (!suffix) continue;
        attempts.push({
          name,
          shard: Number(suffix[1]),
          attempt: Number(suffix[2]),
          status: job.ProcessingJobStatus ?? "InProgress",
          failureReason: job.FailureReason ?? job.ExitMessage ?? null,
          createdAt: job.CreationTime ?? null,
          endedAt: job.ProcessingEndTime ?? null,
        });
      }
    } while (nextToken);
    return attempts.sort((a, b) => a.shard - b.shard || a.attempt - b.attempt);
  }
}
