/** The lake's keys, the same in S3 and in a local directory (docs/contracts.md, "Lake objects"). */

export const INCOMING_PREFIX = "incoming/";
export const INGEST_PREFIX = "ingest/";
export const QUARANTINE_PREFIX = "quarantine/";
export const PENDING_PREFIX = "pending/";
export const RUNS_PREFIX = "runs/";
export const CURATED_PREFIX = "curated/headline_sentiment/";
export const LOCKS_PREFIX = "locks/";

/**
 * `incoming/<drop_id>/<name>`: each file goldpipe drops gets a key of its own, so two files of the
 * same name (or the same file dropped twice) never overwrite each other or each other's quarantine.
 */
export const dropKey = (name: string, dropId: string) => `${INCOMING_PREFIX}${dropId}/${name}`;
/** Headlines scored in real time, landed and waiting for the next real-time merge into the curated table. */
export const REALTIME_LANDED_PREFIX = "realtime/landed/";

export const ingestRecordKey = (sha256: string) => `${INGEST_PREFIX}${sha256}.json`;
export const pendingSegmentKey = (segmentId: string) => `${PENDING_PREFIX}${segmentId}.jsonl`;

export const runPrefix = (runId: string) => `${RUNS_PREFIX}${runId}/`;
export const manifestKey = (runId: string) => `${runPrefix(runId)}manifest.json`;
export const shardKey = (runId: string, index: number) => `${runPrefix(runId)}shards/${index}.parquet`;
export const scoresPrefix = (runId: string, index: number) => `${runPrefix(runId)}scores/${index}/`;
export const successKey = (runId: string, index: number) => `${scoresPrefix(runId, index)}_SUCCESS`;
export const shardMetricsKey = (runId: string, index: number) => `${scoresPrefix(runId, index)}metrics.json`;
export const shardStatusKey = (runId: string, index: number) => `${runPrefix(runId)}shard-status/${index}.json`;
export const shardBillingKey = (runId: string, index: number) => `${runPrefix(runId)}shard-billing/${index}.json`;
export const reportKey = (runId: string) => `${runPrefix(runId)}report.json`;
export const mergeRecordKey = (runId: string) => `${runPrefix(runId)}merged.json`;
/** One workflow execution of a run (the seal's, then each replay's): its shard list and the Map's results. */
export const executionPrefix = (runId: string, execution: string) => `${runPrefix(runId)}executions/${execution}/`;
export const shardListKey = (runId: string, execution: string) => `${executionPrefix(runId, execution)}shards.json`;
/** One statement of the run's partition refresh, which the workflow's RefreshPartitions reads and runs on Athena. */
export const refreshStatementKey = (runId: string, index: number) => `${runPrefix(runId)}refresh/${index}.sql`;

export const curatedPartitionPrefix = (p: { year: number; month: number; day: number }) =>
  `${CURATED_PREFIX}year=${p.year}/month=${String(p.month).padStart(2, "0")}/day=${String(p.day).padStart(2, "0")}/`;
export const curatedKey = (p: { year: number; month: number; day: number }, runId: string, part: number) =>
  `${curatedPartitionPrefix(p)}${runId}-${part}.parquet`;

/** A lock's generations: `locks/<name>/<generation>.json`, numbered so that key order is their order. */
export const lockPrefix = (name: string) => `${LOCKS_PREFIX}${name}/`;
export const lockKey = (name: string, generation: number) => `${lockPrefix(name)}${String(generation).padStart(10, "0")}.json`;
/** `realtime/landed/<UTC time>-<tag>.jsonl`: the key's time orders landings, the tag keeps writers apart. */
export const realtimeLandedKey = (at: Date, tag: string) =>
  `${REALTIME_LANDED_PREFIX}${at.toISOString().replace(/[-:.]/g, "")}-${tag}.jsonl`;

/** `quarantine/<file>/`, <file> being the dropped file's key without `incoming/`. */
export const quarantinePrefix = (file: string) =>
  `${QUARANTINE_PREFIX}${file.startsWith(INCOMING_PREFIX) ? file.slice(INCOMING_PREFIX.length) : file}/`;
export const quarantineRowsKey = (file: string) => `${quarantinePrefix(file)}rows.jsonl`;
export const quarantineReasonKey = (file: string) => `${quarantinePrefix(file)}reason.json`;
