import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { CloudWatchMetrics, PUT_METRIC_DATA_LIMITS } from "../../../../functions/aws/cloudwatch-metrics.ts";
import type { MetricDatum } from "../../../../functions/core/ports.ts";

const cloudWatch = mockClient(CloudWatchClient);
const metrics = new CloudWatchMetrics(new CloudWatchClient({ region: "us-east-1" }));

beforeEach(() => {
  cloudWatch.reset();
  cloudWatch.on(PutMetricDataCommand).resolves({});
});

const sentBatches = () => cloudWatch.commandCalls(PutMetricDataCommand).map((call) => call.args[0].input);

describe("CloudWatchMetrics", () => {
  it("puts the data under the goldpipe namespace with units and dimensions", async () => {
    await metrics.put([
      { name: "HeadlinesScored", value: 20_000, unit: "Count", dimensions: { Stage: "dev", Run: "run-1" } },
      { name: "RunSeconds", value: 412.5, unit: "Seconds" },
      { name: "HeadlinesPerSecond", value: 48.5, unit: "Count/Second" },
    ]);

    expect(sentBatches()).toEqual([
      {
        Namespace: "goldpipe",
        MetricData: [
          {
            MetricName: "HeadlinesScored",
            Value: 20_000,
            Unit: "Count",
            Dimensions: [
              { Name: "Stage", Value: "dev" },
              { Name: "Run", Value: "run-1" },
            ],
          },
          { MetricName: "RunSeconds", Value: 412.5, Unit: "Seconds" },
          { MetricName: "HeadlinesPerSecond", Value: 48.5, Unit: "Count/Second" },
        ],
      },
    ]);
  });

  it("splits into requests of at most 1000 data", async () => {
    const data: MetricDatum[] = Array.from({ length: 2_001 }, (_, i) => ({ name: `m${i}`, value: i, unit: "Count" }));

    await metrics.put(data);

    expect(sentBatches().map((batch) => batch.MetricData?.length)).toEqual([1000, 1000, 1]);
    expect(sentBatches().flatMap((batch) => batch.MetricData?.map((d) => d.MetricName))).toEqual(data.map((d) => d.name));
  });

  it("keeps each request under 1 MB when the data are large", async () => {
    const wide = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`dimension${i}`, "x".repeat(200)]));
    const data: MetricDatum[] = Array.from({ length: 400 }, (_, i) => ({ name: `m${i}`, value: i, unit: "Count", dimensions: wide }));

    await metrics.put(data);

    const batches = sentBatches();
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) {
      expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThan(PUT_METRIC_DATA_LIMITS.bytes);
    }
    expect(batches.reduce((n, batch) => n + (batch.MetricData?.length ?? 0), 0)).toBe(400);
  });

  it("sends nothing for no data", async () => {
    await metrics.put([]);

    expect(sentBatches()).toEqual([]);
  });

  it("refuses a datum with more dimensions than CloudWatch takes, before sending anything", async () => {
    const dimensions = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`d${i}`, "v"]));

    await expect(metrics.put([{ name: "Wide", value: 1, unit: "None", dimensions }])).rejects.toThrow(
      "metric Wide has 31 dimensions; CloudWatch takes at most 30",
    );
    expect(sentBatches()).toEqual([]);
  });

  it("adds its own dimensions to every datum, under the datum's own", async () => {
    const staged = new CloudWatchMetrics(new CloudWatchClient({ region: "us-east-1" }), "goldpipe", { Stage: "prod" });

    await staged.put([
      { name: "ShardsFailed", value: 2, unit: "Count" },
      { name: "HeadlinesScored", value: 10, unit: "Count", dimensions: { Model: "finbert" } },
    ]);

    expect(sentBatches()[0]?.MetricData).toEqual([
      { MetricName: "ShardsFailed", Value: 2, Unit: "Count", Dimensions: [{ Name: "Stage", Value: "prod" }] },
      {
        MetricName: "HeadlinesScored",
        Value: 10,
        Unit: "Count",
        Dimensions: [
          { Name: "Stage", Value: "prod" },
          { Name: "Model", Value: "finbert" },
        ],
      },
    ]);
  });

  it("uses the namespace it is given", async () => {
    await new CloudWatchMetrics(new CloudWatchClient({ region: "us-east-1" }), "goldpipe-test").put([
      { name: "ShardsFailed", value: 0, unit: "Count" },
    ]);

    expect(sentBatches()[0]?.Namespace).toBe("goldpipe-test");
  });
});
