import { SingleBar } from "cli-progress";
import { stat } from "node:fs/promises";
import { ingestLocalFiles, type LocalIngestResult } from "../../ingest-files.ts";
import { EXIT, UsageError, type Command, type CommandContext } from "../command.ts";

/** Files at least this large get a progress bar on a terminal. */
const PROGRESS_BAR_BYTES = 16 * 1024 * 1024;

const ingest: Command = {
  name: "ingest",
  summary: "drop files of headlines into the lake and run fanout and shard on them",
  usage: "goldpipe ingest FILE… [--lake DIR] [--json]",
  async run({ positionals }, context) {
    if (positionals.length === 0) throw new UsageError("give one or more files of headlines (CSV, TSV, JSONL, JSON, Parquet; .gz too)");
    const progress = await progressBar(positionals, context);
    const { files, segments } = await ingestLocalFiles(positionals, { lake: context.lake, onProgress: progress?.update });
    progress?.stop();
    const failed = files.filter((file) => file.error !== null || file.bad_file !== null);
    for (const file of failed) context.stderr.write(`goldpipe ingest: ${failureLine(file)}\n`);
    if (context.json) {
      context.stdout.write(`${JSON.stringify({ files: files.map(jsonEntry), segments })}\n`);
    } else {
      for (const file of files) if (!failed.includes(file)) context.stdout.write(`${summaryLine(file)}\n`);
      context.stdout.write(`${segments} pending segment(s) written under ${context.lake}/pending/\n`);
    }
    return failed.length ? EXIT.badInput : EXIT.ok;
  },
};
export default ingest;

function jsonEntry(result: LocalIngestResult) {
  if (result.error !== null) {
    return { ...emptyCounts(result.path), error: result.error };
  }
  const entry = {
    file: result.path,
    rows_read: result.rows_read,
    rows_valid: result.rows_valid,
    rows_quarantined: result.rows_quarantined,
    quarantine_reasons: result.quarantine_reasons,
    duplicate_of: result.duplicate_of,
  };
  return result.bad_file ? { ...entry, error: result.bad_file.reason } : entry;
}

const emptyCounts = (file: string) => ({
  file,
  rows_read: 0,
  rows_valid: 0,
  rows_quarantined: 0,
  quarantine_reasons: {},
  duplicate_of: null,
});

function failureLine(result: LocalIngestResult): string {
  if (result.error !== null) return result.error;
  const { reason, detail } = result.bad_file!;
  return `${result.path}: ${reason}${detail ? ` (${detail})` : ""}; moved to quarantine/${result.file.replace(/^incoming\//, "")}/`;
}

function summaryLine(result: LocalIngestResult): string {
  if (result.error !== null) return result.error;
  if (result.duplicate_of) return `${result.path}: same content as ${result.duplicate_of}, ingested before; nothing sent again`;
  const count = (n: number) => n.toLocaleString("en-US");
  const reasons = Object.entries(result.quarantine_reasons)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, n]) => `${reason}: ${count(n)}`)
    .join(", ");
  return `${result.path}: ${count(result.rows_read)} rows read, ${count(result.rows_valid)} valid, ${count(result.rows_quarantined)} quarantined${reasons ? ` (${reasons})` : ""}`;
}

/** A bar per large file on a terminal (not with --json, which keeps stdout machine-readable). */
async function progressBar(paths: string[], context: CommandContext) {
  if (!context.stderr.isTTY || context.json) return undefined;
  const sizes = await Promise.all(paths.map((path) => stat(path).then((s) => s.size, () => 0)));
  if (!sizes.some((size) => size >= PROGRESS_BAR_BYTES)) return undefined;
  const bar = new SingleBar({
    stream: context.stderr,
    format: "{file} [{bar}] {percentage}% | {rows} rows",
    hideCursor: true,
    clearOnComplete: true,
  });
  let current: string | undefined;
  return {
    update(path: string, progress: Readonly<{ bytes: number; total: number; rows: number }>) {
      const payload = { file: path, rows: progress.rows.toLocaleString("en-US") };
      if (current !== path) {
        if (current !== undefined) bar.stop();
        current = path;
        bar.start(Math.max(progress.total, 1), progress.bytes, payload);
      } else {
        bar.update(progress.bytes, payload);
      }
    },
    stop: () => current !== undefined && bar.stop(),
  };
}
