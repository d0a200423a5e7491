import { SingleBar } from "cli-progress";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { awaitFanout, dropFile } from "../../aws/stack-ingest.ts";
import type { RealtimeRoute } from "../../../functions/core/realtime/dispatch.ts";
import { ingestLocalFiles, unreadableReason } from "../../ingest-files.ts";
import { AWS_OPTIONS, awsStack, awsTargetOf, type AwsTarget } from "../../aws/target.ts";
import { UsageError, type Command, type CommandContext } from "../command.ts";
import { EXIT } from "../exit-codes.mjs";
import { ingestLine, type IngestAnswer } from "../ingest-line.ts";
import { REALTIME_OPTIONS, realtimeRouteFor } from "../realtime-options.ts";

/** Files at least this large get a progress bar on a terminal. */
const PROGRESS_BAR_BYTES = 16 * 1024 * 1024;

const ingest: Command = {
  name: "ingest",
  summary: "drop files of headlines into the lake and run fanout and segment on them",
  usage: "goldpipe ingest FILE… [--lake DIR [--realtime-url URL --realtime-config FILE] | --aws [--stage STAGE]] [--json]",
  options: { ...AWS_OPTIONS, ...REALTIME_OPTIONS },
  async run({ positionals, values }, context) {
    if (positionals.length === 0) throw new UsageError("give one or more files of headlines (CSV, TSV, JSONL, JSON, Parquet; .gz too)");
    const target = await awsTargetOf(values);
    const { files, segments } = target
      ? await ingestOnStack(positionals, target, context)
      : await ingestHere(positionals, context, await realtimeRouteFor(values));
    const failed = files.filter((file) => file.error !== null || file.bad_file !== null);
    for (const file of failed) context.stderr.write(`goldpipe ingest: ${ingestLine(file)}\n`);
    if (context.json) {
      context.stdout.write(`${JSON.stringify({ files: files.map(jsonEntry), segments })}\n`);
    } else {
      for (const file of files) if (!failed.includes(file)) context.stdout.write(`${ingestLine(file)}\n`);
      context.stdout.write(
        segments === null
          ? `the stack's segment function writes the pending segments; a seal turns them into a run\n`
          : `${segments} pending segment(s) written under ${context.lake}/pending/\n`,
      );
    }
    return failed.length ? EXIT.badInput : EXIT.ok;
  },
};
export default ingest;

async function ingestHere(paths: string[], context: CommandContext, realtime: RealtimeRoute | undefined) {
  const progress = await progressBar(paths, context);
  const ingested = await ingestLocalFiles(paths, { lake: context.lake, onProgress: progress?.update, realtime });
  progress?.stop();
  return ingested;
}

/** --aws: each file is dropped under the stack's incoming/ and its fanout's answer awaited; the segment step runs there. */
async function ingestOnStack(paths: string[], target: AwsTarget, context: CommandContext) {
  const { store } = awsStack(target);
  const files: IngestAnswer[] = [];
  for (const path of paths) {
    const unreadable = await unreadableReason(path);
    if (unreadable) {
      files.push({ path, file: null, error: unreadable });
      continue;
    }
    const dropped = await dropFile(store, path);
    if (!context.json) context.stderr.write(`${path}: dropped as s3://${target.bucket}/${dropped.key}; waiting for the fanout…\n`);
    files.push(await awaitFanout(store, dropped));
  }
  return { files, segments: null };
}

function jsonEntry(result: IngestAnswer) {
  if (result.error !== null) {
    return { ...emptyCounts(result.path), error: result.error };
  }
  const entry = {
    file: result.path,
    rows_read: result.rows_read,
    rows_valid: result.rows_valid,
    rows_quarantined: result.rows_quarantined,
    quarantine_reasons: result.quarantine_reasons,
    rows_realtime: result.rows_realtime,
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
  rows_realtime: 0,
  duplicate_of: null,
});

/** A bar per large file on a terminal (not with --json, which keeps stdout machine-readable). */
async function progressBar(paths: string[], context: CommandContext) {
  if (!context.stderr.isTTY || context.json) return undefined;
  const sizes = await Promise.all(
    paths.map((path) =>
      stat(path).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  if (!sizes.some((size) => size >= PROGRESS_BAR_BYTES)) return undefined;
  const bar = new SingleBar({
    stream: context.stderr,
    format: "{file} [{bar}] {percentage}% | {rows} rows",
    hideCursor: true,
    clearOnComplete: true,
  });
  let current: string | undefined;
  return {
    update(file: string, progress: Readonly<{ bytes: number; total: number; rows: number }>) {
      const payload = { file: basename(file), rows: progress.rows.toLocaleString("en-US") };
      if (current !== file) {
        if (current !== undefined) bar.stop();
        current = file;
        bar.start(Math.max(progress.total, 1), progress.bytes, payload);
      } else {
        bar.update(progress.bytes, payload);
      }
    },
    stop: () => current !== undefined && bar.stop(),
  };
}
