import { appendFile, mkdir } from "node:fs/promises";
import path from "node:path";
import type { MetricDatum, Metrics } from "../../functions/core/ports.ts";

/** The Metrics port on this machine: each datum appended as one JSON line, with its time, to a file (CloudWatch's stand-in). */
export class JsonlMetrics implements Metrics {
  readonly #file: string;
  readonly #now: () => Date;

  constructor(file: string, now: () => Date = () => new Date()) {
    this.#file = file;
    this.#now = now;
  }

  async put(data: MetricDatum[]): Promise<void> {
    if (data.length === 0) return;
    const timestamp = this.#now().toISOString();
    await mkdir(path.dirname(this.#file), { recursive: true });
    await appendFile(this.#file, data.map((datum) => `${JSON.stringify({ timestamp, ...datum })}\n`).join(""));
  }
}

/** Where the local runtime keeps its metrics: inside the lake directory, beside watch's log. */
export const localMetricsPath = (lake: string) => path.join(lake, "logs", "metrics.jsonl");
