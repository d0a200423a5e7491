import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Metrics, ObjectStore, Queue, Workflow } from "../core/ports.ts";
import { CloudWatchMetrics } from "./cloudwatch-metrics.ts";
import { S3ObjectStore } from "./s3-object-store.ts";
import { SqsQueue } from "./sqs-queue.ts";
import { StepFunctionsWorkflow } from "./step-functions-workflow.ts";

export interface AwsAdapters {
  store: ObjectStore;
  queue: Queue;
  workflow: Workflow;
  metrics: Metrics;
}

const built: Partial<AwsAdapters> = {};

/**
 * The ports every Lambda handler uses, on the AWS SDK. Each one is built on first use and kept for
 * the container's later invocations, so a function needs only the environment of the ports it
 * touches: BUCKET (store), HEADLINES_QUEUE_URL (queue), STATE_MACHINE_ARN (workflow). Metrics go to
 * the goldpipe namespace with a Stage dimension from STAGE, which the stack's alarms watch.
 */
export function awsAdapters(): AwsAdapters {
  return {
    get store() {
      return once("store", () => new S3ObjectStore(new S3Client({}), requiredEnv("BUCKET")));
    },
    get queue() {
      return once("queue", () => new SqsQueue(new SQSClient({}), requiredEnv("HEADLINES_QUEUE_URL")));
    },
    get workflow() {
      return once("workflow", () => new StepFunctionsWorkflow(new SFNClient({}), requiredEnv("STATE_MACHINE_ARN")));
    },
    get metrics() {
      const stage = process.env.STAGE;
      return once("metrics", () => new CloudWatchMetrics(new CloudWatchClient({}), "goldpipe", stage ? { Stage: stage } : {}));
    },
  };
}

function once<K extends keyof AwsAdapters>(name: K, build: () => AwsAdapters[K]): AwsAdapters[K] {
  const adapter = built[name] ?? build();
  built[name] = adapter;
  return adapter;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: serverless.yml gives it to the functions that use it; set it to run a handler by hand`);
  }
  return value;
}
