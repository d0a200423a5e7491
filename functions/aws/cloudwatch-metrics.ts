import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum as CloudWatchDatum } from "@aws-sdk/client-cloudwatch";
import type { MetricDatum, Metrics } from "../core/ports.ts";

/** PutMetricData's limits: data per request, request size, dimensions per datum. */
export const PUT_METRIC_DATA_LIMITS = { data: 1000, bytes: 1_000_000, dimensions: 30 } as const;
/** Room left in each request for the envelope (namespace, protocol framing). */
const ENVELOPE_BYTES = 10_000;

/**
 * The Metrics port on CloudWatch: every datum under one namespace, sent in as few requests as the
 * limits allow. Dimensions given here go on every datum (the stack's Stage, so that two stages in
 * one account keep their figures and alarms apart); a datum's own dimensions add to them.
 */
export class CloudWatchMetrics implements Metrics {
  readonly #client: CloudWatchClient;
  readonly #namespace: string;
  readonly #dimensions: Record<string, string>;

  constructor(client: CloudWatchClient, namespace = "goldpipe", dimensions: Record<string, string> = {}) {
    this.#client = client;
    this.#namespace = namespace;
    this.#dimensions = dimensions;
  }

  async put(data: MetricDatum[]): Promise<void> {
    const withDimensions = data.map((datum) => ({ ...datum, dimensions: { ...this.#dimensions, ...datum.dimensions } }));
    for (const batch of batches(withDimensions.map(toCloudWatch))) {
      await this.#client.send(new PutMetricDataCommand({ Namespace: this.#namespace, MetricData: batch }));
    }
  }
}

function toCloudWatch(datum: MetricDatum): CloudWatchDatum {
  const dimensions = Object.entries(datum.dimensions ?? {});
  if (dimensions.length > PUT_METRIC_DATA_LIMITS.dimensions) {
    throw new Error(
      `metric ${datum.name} has ${dimensions.length} dimensions; CloudWatch takes at most ${PUT_METRIC_DATA_LIMITS.dimensions}`,
    );
  }
  return {
    MetricName: datum.name,
    Value: datum.value,
    Unit: datum.unit,
    ...(dimensions.length > 0 && { Dimensions: dimensions.map(([Name, Value]) => ({ Name, Value })) }),
  };
}

function* batches(data: CloudWatchDatum[]): Generator<CloudWatchDatum[]> {
  let batch: CloudWatchDatum[] = [];
  let bytes = ENVELOPE_BYTES;
  for (const datum of data) {
    const size = Buffer.byteLength(JSON.stringify(datum));
    if (batch.length === PUT_METRIC_DATA_LIMITS.data || bytes + size > PUT_METRIC_DATA_LIMITS.bytes) {
      yield batch;
      batch = [];
      bytes = ENVELOPE_BYTES;
    }
    batch.push(datum);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
