import { z } from "zod";
import { reportKey } from "../lake-keys.ts";
import { commitRun } from "../orchestration/finalize-run.ts";
import { outcomeOf, readManifest, RUN_STATUSES, RUN_TRIGGERS } from "../orchestration/manifest.ts";
import { CAPACITIES } from "../orchestration/run-input.ts";
import { sortPartitions } from "./lake-table.ts";
import type { ReportEvent } from "./events.ts";
import type { MergeResult } from "./merge-result.ts";
import type { MetricDatum, Metrics, ObjectStore } from "../ports.ts";
import { runCost } from "./run-cost.ts";
import { readShardBilling, readShardMetrics } from "../orchestration/shard-metrics.ts";

const count = z.number().int().nonnegative();
const seconds = z.number().nonnegative();

/** runs/<run_id>/report.json, and what `goldpipe run --json` prints (contracts.md, "The run report"). */
export const RunReportSchema = z.object({
  run_id: z.string(),
  status: z.enum(RUN_STATUSES),
  trigger: z.enum(RUN_TRIGGERS),
  created_at: z.iso.datetime(),
  reported_at: z.iso.datetime(),
  // Nothing is lost: rows_read = rows_valid + rows_quarantined; rows_curated = rows_scored − duplicates.
  rows_read: count,
  rows_valid: count,
  rows_quarantined: count,
  /** Valid rows of the run's files that were scored in real time instead (docs/realtime.md); absent in older reports. */
  rows_realtime: count.default(0),
  /** Rows sealed into the run's shards, and the headlines dropped at sealing as already in the run. */
  rows_sharded: count,
  duplicates_sealed: count,
  shards: count,
  shards_failed: count,
  failed_shards: z.array(z.number().int()),
  /** Why each failed shard failed, by index. */
  shard_errors: z.record(z.string(), z.string()),
  /** Rows of the failed shards, not scored until a replay finishes them. */
  rows_in_failed_shards: count,
  rows_scored: count,
  /** Rows the GPU job could not score (written to the shard's unscorable.jsonl). */
  rows_unscorable: count,
  rows_curated: count,
  duplicates: count,
  /** The UTC publication days this run's merge wrote: how many, the first and the last (YYYY-MM-DD). */
  days: z.object({ count, first: z.iso.date().nullable(), last: z.iso.date().nullable() }),
  /** Since the run was sealed. */
  seconds,
  timings: z.object({
    /** The GPU jobs' scoring time, summed over shards, and the longest shard's. */
    scoring_seconds: seconds,
    longest_shard_seconds: seconds,
    model_load_seconds: seconds,
    merge_seconds: seconds.nullable(),
  }),
  throughput: z.object({
    /** Curated headlines per second of the run's wall time. */
    headlines_per_second: z.number().nonnegative(),
    /** Scored headlines per second of GPU job time. */
    job_headlines_per_second: z.number().nonnegative(),
    /** Mean GPU utilization of the shards' jobs (NVML); null when none was sampled (a CPU). */
    gpu_utilization_percent: z.number().nullable().default(null),
  }),
  cost: z.object({
    instance_type: z.string().nullable(),
    usd_per_hour: z.number().nullable(),
    billed_seconds: seconds,
    usd: z.number().nullable(),
    note: z.string().nullable(),
    capacity: z.enum(CAPACITIES).default("on-demand"),
    /** Seconds the jobs ran; on spot, against billed_seconds (SageMaker's billable seconds). */
    total_seconds: seconds.default(0),
    saving_percent: z.number().nullable().default(null),
    usd_per_million_headlines: z.number().nullable().default(null),
  }),
});
export type RunReport = z.infer<typeof RunReportSchema>;

/**
 * The ReportRun state: reads the run's manifest (finalized), each shard's job metrics and the
 * merge result, writes runs/<run_id>/report.json, puts the run's figures to the Metrics port, and
 * last commits the run: only then does its manifest say Succeeded (or PartiallyFailed).
 */
export async function reportRun(
  input: ReportEvent,
  { store, metrics, now = () => new Date() }: { store: ObjectStore; metrics: Metrics; now?: () => Date },
): Promise<RunReport> {
  const { run_id: runId, merge, instance_type: instanceType, capacity = "on-demand" } = input;
  const manifest = await readManifest(store, runId);
  if (!manifest) throw new Error(`run ${runId} has no manifest; was it sealed in this bucket?`);
  const shardMetrics = (await Promise.all(manifest.shards.map((shard) => readShardMetrics(store, runId, shard.index)))).filter(
    (m) => m !== undefined,
  );
  const spotBilling = (await Promise.all(manifest.shards.map((shard) => readShardBilling(store, runId, shard.index)))).filter(
    (b) => b !== undefined,
  );
  const failed = manifest.shards.filter((shard) => shard.status === "failed");
  const utilization = shardMetrics.flatMap((m) => (typeof m.gpu_utilization_percent === "number" ? [m.gpu_utilization_percent] : []));
  const sum = <T>(items: T[], of: (item: T) => number) => items.reduce((total, item) => total + of(item), 0);

  const reportedAt = now();
  const runSeconds = Math.max(0, (reportedAt.getTime() - Date.parse(manifest.created_at)) / 1000);
  const scoringSeconds = sum(shardMetrics, (m) => m.seconds);
  const modelLoadSeconds = sum(shardMetrics, (m) => m.model_load_seconds ?? 0);
  const report: RunReport = {
    run_id: runId,
    status: outcomeOf(manifest),
    trigger: manifest.trigger,
    created_at: manifest.created_at,
    reported_at: reportedAt.toISOString(),
    rows_read: sum(manifest.sources, (s) => s.rows_read),
    rows_valid: sum(manifest.sources, (s) => s.rows_valid),
    rows_quarantined: sum(manifest.sources, (s) => s.rows_quarantined),
    rows_realtime: sum(manifest.sources, (s) => s.rows_realtime),
    rows_sharded: manifest.rows,
    duplicates_sealed: manifest.duplicates,
    shards: manifest.shards.length,
    shards_failed: failed.length,
    failed_shards: failed.map((shard) => shard.index),
    shard_errors: Object.fromEntries(failed.map((shard) => [String(shard.index), shard.error ?? "no reason recorded"])),
    rows_in_failed_shards: sum(failed, (shard) => shard.rows),
    rows_scored: merge.rows_scored,
    rows_unscorable: sum(shardMetrics, (m) => m.rows_unscorable),
    rows_curated: merge.rows_curated,
    duplicates: merge.duplicates,
    days: daysOf(merge.partitions),
    seconds: round(runSeconds),
    timings: {
      scoring_seconds: round(scoringSeconds),
      longest_shard_seconds: round(Math.max(0, ...shardMetrics.map((m) => m.seconds))),
      model_load_seconds: round(modelLoadSeconds),
      merge_seconds: merge.seconds === undefined ? null : round(merge.seconds),
    },
    throughput: {
      headlines_per_second: runSeconds > 0 ? round(merge.rows_curated / runSeconds) : 0,
      job_headlines_per_second: scoringSeconds > 0 ? round(sum(shardMetrics, (m) => m.rows) / scoringSeconds) : 0,
      gpu_utilization_percent: utilization.length ? Math.round((sum(utilization, (u) => u) / utilization.length) * 10) / 10 : null,
    },
    cost: runCost({
      instanceType,
      capacity,
      jobSeconds: scoringSeconds + modelLoadSeconds,
      spot: spotBilling,
      headlinesScored: merge.rows_scored,
    }),
  };
  await store.put(reportKey(runId), JSON.stringify(RunReportSchema.parse(report), null, 2) + "\n", {
    contentType: "application/json",
  });
  await metrics.put(runMetrics(report));
  await commitRun(store, runId, now);
  return report;
}

/** The run's figures as CloudWatch metrics (namespace goldpipe, set by the Metrics adapter). */
export function runMetrics(report: RunReport): MetricDatum[] {
  return [
    { name: "HeadlinesScored", value: report.rows_scored, unit: "Count" },
    { name: "HeadlinesQuarantined", value: report.rows_quarantined, unit: "Count" },
    { name: "Duplicates", value: report.duplicates, unit: "Count" },
    { name: "ShardsFailed", value: report.shards_failed, unit: "Count" },
    { name: "RunSeconds", value: report.seconds, unit: "Seconds" },
    { name: "HeadlinesPerSecond", value: report.throughput.headlines_per_second, unit: "Count/Second" },
    { name: "JobHeadlinesPerSecond", value: report.throughput.job_headlines_per_second, unit: "Count/Second" },
    ...optional("GpuUtilizationPercent", report.throughput.gpu_utilization_percent, "Percent"),
    ...optional("EstimatedCostUSD", report.cost.usd, "None"),
    ...optional("CostPerMillionHeadlinesUSD", report.cost.usd_per_million_headlines, "None"),
    ...optional("SpotSavingPercent", report.cost.saving_percent, "Percent"),
  ];
}

const optional = (name: string, value: number | null, unit: MetricDatum["unit"]): MetricDatum[] =>
  value === null ? [] : [{ name, value, unit }];

/** A run's report from the lake, or undefined when the run has not reached ReportRun. */
export async function readRunReport(store: ObjectStore, runId: string): Promise<RunReport | undefined> {
  const body = await store.get(reportKey(runId));
  if (body === undefined) return undefined;
  const parsed = RunReportSchema.safeParse(JSON.parse(body.toString("utf8")));
  if (!parsed.success) throw new Error(`${reportKey(runId)} is not a run report: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/** A summary, not the list: a backfill's thousands of days would pass the workflow's payload limit. */
function daysOf(partitions: MergeResult["partitions"]): RunReport["days"] {
  const days = sortPartitions(partitions).map((p) => `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`);
  return { count: days.length, first: days[0] ?? null, last: days[days.length - 1] ?? null };
}
