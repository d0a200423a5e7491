import type { StackIngestResult } from "../aws/stack-ingest.ts";
import type { LocalIngestResult } from "../ingest-files.ts";

export type IngestAnswer = LocalIngestResult | StackIngestResult;

/** What became of one file, in one line for a person: its counts, or why it was set aside. */
export function ingestLine(result: IngestAnswer): string {
  if (result.error !== null) return result.error;
  if (result.bad_file) {
    const { reason, detail } = result.bad_file;
    return `${result.path}: ${reason}${detail ? ` (${detail})` : ""}; moved to quarantine/${result.file.replace(/^incoming\//, "")}/`;
  }
  if (result.duplicate_of) return `${result.path}: same content as ${result.duplicate_of}, ingested before; nothing sent again`;
  const count = (n: number) => n.toLocaleString("en-US");
  const reasons = Object.entries(result.quarantine_reasons)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, n]) => `${reason}: ${count(n)}`)
    .join(", ");
  return (
    `${result.path}: ${count(result.rows_read)} rows read, ${count(result.rows_valid)} valid, ` +
    `${count(result.rows_quarantined)} quarantined${reasons ? ` (${reasons})` : ""}` +
    (result.rows_realtime > 0 ? `, ${count(result.rows_realtime)} scored in real time` : "") +
    ("realtime_failure" in result && result.realtime_failure
      ? `; the real-time endpoint failed (${result.realtime_failure}), the rest went to the batch`
      : "")
  );
}
