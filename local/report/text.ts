import type { RunReport } from "../../functions/core/lake/report.ts";

/** The run report for a terminal: one line per concern, the failed shards with their reasons. */
export function formatReportText(report: RunReport): string {
  const lines = [
    `run ${report.run_id}: ${report.status} (${report.trigger}, sealed ${utc(report.created_at)})`,
    `headlines   read ${number(report.rows_read)} = valid ${number(report.rows_valid)} + quarantined ${number(report.rows_quarantined)}`,
    ...(report.rows_realtime > 0 ? [`            scored in real time ${number(report.rows_realtime)} (the rest waited for this run)`] : []),
    `            sealed ${number(report.rows_sharded)} into ${report.shards} shards ` +
      `(${number(report.duplicates_sealed)} duplicates dropped at sealing)`,
    `            scored ${number(report.rows_scored)}, unscorable ${number(report.rows_unscorable)}, ` +
      `in failed shards ${number(report.rows_in_failed_shards)}`,
    `            curated ${number(report.rows_curated)} = scored − ${number(report.duplicates)} duplicates${days(report.days)}`,
    `time        ${seconds(report.seconds)} end to end; GPU jobs ${seconds(report.timings.scoring_seconds)} scoring ` +
      `(longest shard ${seconds(report.timings.longest_shard_seconds)}), ` +
      `${seconds(report.timings.model_load_seconds)} loading the model` +
      `${report.timings.merge_seconds === null ? "" : `; merge ${seconds(report.timings.merge_seconds)}`}`,
    `throughput  ${number(report.throughput.headlines_per_second)} headlines/s end to end, ` +
      `${number(report.throughput.job_headlines_per_second)} headlines/s in the GPU jobs` +
      (report.throughput.gpu_utilization_percent === null ? "" : `, GPUs ${report.throughput.gpu_utilization_percent}% busy`),
    `cost        ${costLine(report.cost)}`,
    `shards      ${report.shards}, failed ${report.shards_failed}`,
    ...report.failed_shards.map((index) => `  shard ${index}: ${report.shard_errors[String(index)] ?? "no reason recorded"}`),
  ];
  if (report.shards_failed > 0) lines.push(`replay the failed shards with: goldpipe replay ${report.run_id}`);
  return `${lines.join("\n")}\n`;
}

function days({ count, first, last }: RunReport["days"]): string {
  if (count === 0) return "";
  return `, over ${count} UTC day${count === 1 ? "" : "s"} (${first === last ? first : `${first} to ${last}`})`;
}

function costLine(cost: RunReport["cost"]): string {
  if (cost.usd === null) return `unknown: ${cost.note ?? "no price"} (${seconds(cost.billed_seconds)} of GPU job time)`;
  if (cost.usd === 0) return `none: ${cost.note ?? "not billed"} (${seconds(cost.billed_seconds)} of job time)`;
  const perMillion = cost.usd_per_million_headlines === null ? "" : `, $${cost.usd_per_million_headlines.toFixed(2)} per million headlines`;
  if (cost.saving_percent !== null) {
    return (
      `about $${cost.usd.toFixed(4)}${perMillion}: ${cost.instance_type} on spot at $${cost.usd_per_hour}/h × ` +
      `${seconds(cost.billed_seconds)} billed of ${seconds(cost.total_seconds)} run (${cost.saving_percent}% saved against on-demand)`
    );
  }
  return (
    `about $${cost.usd.toFixed(4)}${perMillion}: ${cost.instance_type} at $${cost.usd_per_hour}/h × ${seconds(cost.billed_seconds)} ` +
    "of GPU job time (a lower bound: container start is billed too)"
  );
}

/** Thousands separated, one decimal; small fractions keep three significant digits. */
export const number = (value: number) =>
  value !== 0 && Math.abs(value) < 1 ? String(Number(value.toPrecision(3))) : value.toLocaleString("en-US", { maximumFractionDigits: 1 });

/** A duration as a person reads it: 4.2 s, 12 min 5 s, 3 h 20 min. */
export function seconds(value: number): string {
  if (value < 120) return `${number(value)} s`;
  const minutes = Math.floor(value / 60);
  if (minutes < 120) return `${minutes} min ${Math.round(value - minutes * 60)} s`;
  return `${number(Math.floor(minutes / 60))} h ${minutes % 60} min`;
}

/** An ISO 8601 instant as "2024-03-01 16:00:00 UTC". */
export const utc = (iso: string) => `${iso.slice(0, 19).replace("T", " ")} UTC`;
