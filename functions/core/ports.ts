import type { Readable } from "node:stream";
import type { Headline, ScoredHeadline } from "./headline.ts";

/** What the pipeline needs of a bucket: S3 in AWS, a directory locally. Keys are lake keys (see lake-keys.ts). */
export interface ObjectStore {
  /** The whole object, or undefined when there is none under the key. */
  get(key: string): Promise<Buffer | undefined>;
  /** The object as a stream; throws ObjectNotFoundError when there is none. */
  getStream(key: string): Promise<Readable>;
  put(key: string, body: Buffer | string | Readable, options?: { contentType?: string }): Promise<void>;
  /**
   * Writes the object only when there is none under the key, atomically: of two callers creating
   * the same key at once, exactly one gets true. S3's `If-None-Match: *`; an exclusive create on a directory.
   */
  createIfAbsent(key: string, body: Buffer | string, options?: { contentType?: string }): Promise<boolean>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object under the prefix, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(key: string): Promise<void>;
}

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export class ObjectNotFoundError extends Error {
  override name = "ObjectNotFoundError";
  readonly key: string;
  constructor(key: string) {
    super(`no object under ${key}`);
    this.key = key;
  }
}

/** One SendMessageBatch: at most 10 messages, each under 256 KB. */
export interface Queue {
  sendBatch(messages: QueueMessage[]): Promise<{ failed: { id: string; reason: string }[] }>;
}

export interface QueueMessage {
  /** Unique within the batch. */
  id: string;
  body: string;
}

export interface Workflow {
  /** Starting an execution name that already exists is not an error: alreadyStarted says so. */
  start(request: { name: string; input: unknown }): Promise<{ executionId: string; alreadyStarted: boolean }>;
  describe(executionId: string): Promise<ExecutionDescription>;
}

export interface ExecutionDescription {
  status: "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";
  output?: unknown;
  error?: string;
}

export interface Metrics {
  put(data: MetricDatum[]): Promise<void>;
}

export interface MetricDatum {
  name: string;
  value: number;
  unit: "Count" | "Seconds" | "Count/Second" | "Percent" | "None";
  dimensions?: Record<string, string>;
}

/**
 * A real-time endpoint (SageMaker's /invocations contract: docs/realtime.md): scores headlines at once.
 * Resolves with one scored headline per headline, in order; rejects when the endpoint is off, busy or
 * failing. The scorer the fanout routes to also lands what it scores in the lake before it resolves
 * (landedScorer around an endpoint, or `goldpipe serve`, which lands what it answers).
 */
export interface RealtimeScorer {
  score(headlines: Headline[]): Promise<ScoredHeadline[]>;
}

/** The table's partition catalog: Glue through Athena in AWS, the DuckDB view locally. */
export interface PartitionCatalog {
  /** Runs one partition refresh statement, as refreshStatements in functions/core/lake/lake-table.ts writes them. */
  refresh(query: string): Promise<void>;
}
