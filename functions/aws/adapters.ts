import { AthenaClient } from "@aws-sdk/client-athena";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { Metrics, ObjectStore, PartitionCatalog, Queue, Workflow } from "../core/ports.ts";
import type { RealtimeRoute } from "../core/realtime/dispatch.ts";
import { landedScorer, RealtimeLanding } from "../core/realtime/landing.ts";
import { parseRealtimeConfig } from "../core/realtime/realtime-config.ts";
import { AthenaQueries } from "./athena-queries.ts";
import { CloudWatchMetrics } from "./cloudwatch-metrics.ts";
import { SageMakerRealtimeScorer } from "./sagemaker-realtime-scorer.ts";
import { S3ObjectStore } from "./s3-object-store.ts";
import { SqsQueue } from "./sqs-queue.ts";
import { StepFunctionsWorkflow } from "./step-functions-workflow.ts";

export interface AwsAdapters {
  store: ObjectStore;
  queue: Queue;
  workflow: Workflow;
  metrics: Metrics;
  /** The real-time route, or undefined when the stage has no endpoint (REALTIME_ENDPOINT_NAME empty). */
  realtime: RealtimeRoute | undefined;
  catalog: PartitionCatalog;
}

/**
 * A stuck endpoint must not hold the fanout: a call that has not answered in this long fails, and its
 * headlines go to the batch path.
 */
const REALTIME_TIMEOUT_MS = 5000;

const built: Partial<AwsAdapters> = {};

/**
 * The ports every Lambda handler uses, on the AWS SDK. Each one is built on first use and kept for
 * the container's later invocations, so a function needs only the environment of the ports it
 * touches: BUCKET (store), HEADLINES_QUEUE_URL (queue), STATE_MACHINE_ARN (workflow), REALTIME_ENDPOINT_NAME
 * and REALTIME_CONFIG (realtime), ATHENA_WORKGROUP and ATHENA_DATABASE (catalog). Metrics go to the goldpipe
 * namespace with a Stage dimension from STAGE, which the stack's alarms watch.
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
    get realtime() {
      const endpoint = process.env.REALTIME_ENDPOINT_NAME;
      if (!endpoint) return undefined;
      return once("realtime", () => ({
        scorer: landedScorer(
          new SageMakerRealtimeScorer(new SageMakerRuntimeClient({ requestHandler: { requestTimeout: REALTIME_TIMEOUT_MS } }), endpoint),
          new RealtimeLanding(this.store),
        ),
        config: parseRealtimeConfig(process.env.REALTIME_CONFIG ?? "", "REALTIME_CONFIG"),
      }));
    },
    get catalog() {
      return once("catalog", () => {
        const athena = new AthenaQueries(new AthenaClient({}), {
          workgroup: requiredEnv("ATHENA_WORKGROUP"),
          database: requiredEnv("ATHENA_DATABASE"),
        });
        return { refresh: async (query: string) => void (await athena.run(query)) };
      });
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
