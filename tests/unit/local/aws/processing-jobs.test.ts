import { readFileSync } from "node:fs";
import { ListProcessingJobsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { processingJobPrefix, SageMakerProcessingJobs } from "../../../../local/aws/processing-jobs.ts";

const sagemaker = mockClient(SageMakerClient);
const jobs = new SageMakerProcessingJobs(new SageMakerClient({ region: "us-east-1" }));

beforeEach(() => sagemaker.reset());

describe("processingJobPrefix", () => {
  it("is the md5 of the execution name the workflow puts in each job's name", () => {
    // The ASL's ScoreShard names jobs States.Format('gp-{}-{}-{}', States.Hash($$.Execution.Name, 'MD5'), shard, attempt).
    const asl = parseYaml(readFileSync(new URL("../../../../statemachines/pipeline.asl.yaml", import.meta.url), "utf8"));
    const scoreShard = asl.States.ScoreShards.ItemProcessor.States.ScoreShard;
    expect(scoreShard.Parameters["ProcessingJobName.$"]).toBe(
      "States.Format('gp-{}-{}-{}', States.Hash($$.Execution.Name, 'MD5'), $.shard.index, $.retry.attempt)",
    );
    expect(processingJobPrefix("abc")).toBe("gp-900150983cd24fb0d6963f7d28e17f72-");
  });
});

describe("SageMakerProcessingJobs.attemptsOf", () => {
  it("lists the execution's jobs by its name prefix, through every page, as shard attempts in order", async () => {
    const prefix = processingJobPrefix("run-1");
    sagemaker
      .on(ListProcessingJobsCommand, { NameContains: prefix, MaxResults: 100 })
      .resolves({
        ProcessingJobSummaries: [
          { ProcessingJobName: `${prefix}1-0`, ProcessingJobStatus: "Completed", ProcessingJobArn: "a", CreationTime: new Date(0) },
          { ProcessingJobName: `${prefix}0-1`, ProcessingJobStatus: "InProgress", ProcessingJobArn: "b", CreationTime: new Date(0) },
        ],
        NextToken: "more",
      })
      .on(ListProcessingJobsCommand, { NextToken: "more" })
      .resolves({
        ProcessingJobSummaries: [
          {
            ProcessingJobName: `${prefix}0-0`,
            ProcessingJobStatus: "Failed",
            ExitMessage: "killed after chunk 2",
            ProcessingJobArn: "c",
            CreationTime: new Date(0),
          },
          // Another run's name happens to contain the prefix: not one of ours.
          { ProcessingJobName: `x${prefix}0-0`, ProcessingJobStatus: "Completed", ProcessingJobArn: "d", CreationTime: new Date(0) },
        ],
      });

    const attempts = await jobs.attemptsOf("run-1");

    expect(attempts.map(({ name, shard, attempt, status, failureReason }) => ({ name, shard, attempt, status, failureReason }))).toEqual([
      { name: `${prefix}0-0`, shard: 0, attempt: 0, status: "Failed", failureReason: "killed after chunk 2" },
      { name: `${prefix}0-1`, shard: 0, attempt: 1, status: "InProgress", failureReason: null },
      { name: `${prefix}1-0`, shard: 1, attempt: 0, status: "Completed", failureReason: null },
    ]);
    expect(sagemaker.commandCalls(ListProcessingJobsCommand).map((c) => c.args[0].input)).toEqual([
      { NameContains: prefix, MaxResults: 100 },
      { NameContains: prefix, MaxResults: 100, NextToken: "more" },
    ]);
  });
});
