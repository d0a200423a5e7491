import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const cloudWatch = mockClient(CloudWatchClient);
const ENV = ["BUCKET", "HEADLINES_QUEUE_URL", "STATE_MACHINE_ARN", "STAGE", "AWS_REGION"];
const saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));

/** A fresh module each time: awsAdapters keeps what it built for the container's later invocations. */
const freshAdapters = async () => {
  vi.resetModules();
  return (await import("../../../../functions/aws/adapters.ts")).awsAdapters;
};

beforeEach(() => {
  cloudWatch.reset();
  for (const name of ENV) delete process.env[name];
  process.env.AWS_REGION = "us-east-1";
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe("awsAdapters", () => {
  it("builds each port once, on first use, and keeps it for later invocations", async () => {
    process.env.BUCKET = "goldpipe-dev-lake";
    const awsAdapters = await freshAdapters();

    const store = awsAdapters().store;

    expect(store.constructor.name).toBe("S3ObjectStore");
    expect(awsAdapters().store).toBe(store);
  });

  it("needs only the environment of the ports a function touches, and names what is missing", async () => {
    process.env.BUCKET = "goldpipe-dev-lake";
    const awsAdapters = await freshAdapters();
    const ports = awsAdapters();

    expect(() => ports.store).not.toThrow();
    expect(() => ports.queue).toThrow("HEADLINES_QUEUE_URL is not set: serverless.yml gives it to the functions that use it");
    expect(() => ports.workflow).toThrow("STATE_MACHINE_ARN is not set");
  });

  it("puts metrics to the goldpipe namespace with the stage the alarms watch", async () => {
    process.env.STAGE = "prod";
    cloudWatch.on(PutMetricDataCommand).resolves({});
    const awsAdapters = await freshAdapters();

    await awsAdapters().metrics.put([{ name: "ShardsFailed", value: 1, unit: "Count" }]);

    expect(cloudWatch.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input)).toEqual([
      {
        Namespace: "goldpipe",
        MetricData: [{ MetricName: "ShardsFailed", Value: 1, Unit: "Count", Dimensions: [{ Name: "Stage", Value: "prod" }] }],
      },
    ]);
  });
});
