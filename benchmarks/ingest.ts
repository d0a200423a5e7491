/**
 * Ingest throughput and peak memory on generated CSV headlines, next to a baseline from the same
 * run: plain csv-parse streaming the same file (no validation, no output). Each measurement runs
 * in its own Node process, so its peak RSS is its own. Prints one JSON line per size.
 *
 *   npm run bench:ingest                          # 100k and 1M rows
 *   BENCH_INGEST_ROWS=20000 npm run bench:ingest
 *
 * Modes: "baseline" csv-parse; "parse" goldpipe's streaming CSV parser alone; "fanout" the fanout
 * of a file already in incoming/ (hash pass, parse, validate, quarantine, headline messages) to a
 * queue that only counts, i.e. the fanout Lambda's work; "ingest" the whole local ingest, fanout
 * and shard in one process writing pending segments, as `goldpipe ingest` does after its copy.
 */
import { execFile } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import { finished } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { formatHeadlines } from "../local/generator/formats.ts";
import { generateHeadlines } from "../local/generator/headlines.ts";

const MODES = ["baseline", "parse", "fanout", "ingest"] as const;
type Mode = (typeof MODES)[number];
/**
 * V8 lets its heap grow while memory is free, so peak RSS alone overstates what ingest needs: the
 * whole ingest runs again with the heap capped here, which it only finishes if its memory is bounded.
 */
const HEAP_CAP_MB = 128;
interface Measurement {
  rows: number;
  seconds: number;
  cpu_seconds: number;
  peak_rss_mb: number;
}

const [, , role, mode, file, lake] = process.argv;
if (role === "--measure") {
  console.log(JSON.stringify(await measure(mode as Mode, file!, lake!)));
} else {
  await compare();
}

async function compare() {
  const sizes = (process.env.BENCH_INGEST_ROWS ?? "100000,1000000").split(",").map(Number);
  for (const rows of sizes) {
    const work = await mkdtemp(path.join(os.tmpdir(), "goldpipe-bench-ingest-"));
    try {
      const csv = path.join(work, "headlines.csv");
      await writeCsv(csv, rows);
      const results = {} as Record<Mode, Measurement>;
      for (const mode of MODES) results[mode] = await inChild(mode, csv, path.join(work, `lake-${mode}`));
      const capped = await inChild("ingest", csv, path.join(work, "lake-capped"), [`--max-old-space-size=${HEAP_CAP_MB}`]);
      const perSecond = (m: Measurement) => Math.round(m.rows / m.seconds);
      console.log(
        JSON.stringify({
          bench: "ingest",
          format: "csv",
          rows,
          file_mb: Math.round((await stat(csv)).size / 1e6),
          fanout_rows_per_second: perSecond(results.fanout),
          fanout_rows_per_cpu_second: Math.round(results.fanout.rows / results.fanout.cpu_seconds),
          fanout_peak_rss_mb: results.fanout.peak_rss_mb,
          ingest_rows_per_second: perSecond(results.ingest),
          ingest_rows_per_cpu_second: Math.round(results.ingest.rows / results.ingest.cpu_seconds),
          ingest_peak_rss_mb: results.ingest.peak_rss_mb,
          ingest_heap_capped_mb: HEAP_CAP_MB,
          ingest_heap_capped_rows_per_second: perSecond(capped),
          ingest_heap_capped_peak_rss_mb: capped.peak_rss_mb,
          parse_rows_per_second: perSecond(results.parse),
          parse_peak_rss_mb: results.parse.peak_rss_mb,
          baseline: "csv-parse stream, records counted",
          baseline_rows_per_second: perSecond(results.baseline),
          baseline_peak_rss_mb: results.baseline.peak_rss_mb,
          fanout_vs_baseline: Math.round((perSecond(results.fanout) / perSecond(results.baseline)) * 100) / 100,
          ingest_vs_baseline: Math.round((perSecond(results.ingest) / perSecond(results.baseline)) * 100) / 100,
        }),
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

async function inChild(mode: Mode, csv: string, lake: string, nodeFlags: string[] = []): Promise<Measurement> {
  const script = fileURLToPath(import.meta.url);
  const args = [...nodeFlags, script, "--measure", mode, csv, lake];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Measurement;
}

/** Each mode imports only what it runs, so its peak RSS is not another mode's modules (DuckDB's library, say). */
async function measure(mode: Mode, csv: string, lake: string): Promise<Measurement> {
  let ingest: () => Promise<number>;
  if (mode === "baseline") {
    const { parse } = await import("csv-parse");
    ingest = async () => {
      let rows = 0;
      for await (const _ of createReadStream(csv, { highWaterMark: 1 << 20 }).pipe(parse({ bom: true, relax_column_count: true }))) rows++;
      return rows - 1;
    };
  } else if (mode === "parse") {
    const { decodeUtf8 } = await import("../functions/core/ingest/file-reading.ts");
    const { parseDelimited } = await import("../functions/core/ingest/parsers/delimited.ts");
    ingest = async () => {
      let rows = 0;
      for await (const batch of parseDelimited(decodeUtf8(createReadStream(csv, { highWaterMark: 1 << 20 })), ",")) rows += batch.length;
      return rows;
    };
  } else {
    const { fanoutFile } = await import("../functions/core/ingest/fanout.ts");
    const { writePendingSegment } = await import("../functions/core/ingest/segment.ts");
    const { DirectoryObjectStore } = await import("../local/adapters/directory-object-store.ts");
    const { InProcessQueue } = await import("../local/adapters/in-process-queue.ts");
    const store = new DirectoryObjectStore(lake);
    await store.put("incoming/headlines.csv", createReadStream(csv));
    const queue =
      mode === "fanout"
        ? { sendBatch: async () => ({ failed: [] }) }
        : new InProcessQueue((messages) => writePendingSegment(store, messages));
    ingest = async () => {
      const result = await fanoutFile({ store, queue }, "incoming/headlines.csv");
      if (!result || result.rows_read !== result.rows_valid + result.rows_quarantined) throw new Error("rows unaccounted for");
      return result.rows_read;
    };
  }
  const cpu = process.cpuUsage();
  const started = performance.now();
  const rows = await ingest();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    rows,
    seconds: Math.round(seconds * 1000) / 1000,
    cpu_seconds: Math.round((used.user + used.system) / 1000) / 1000,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

async function writeCsv(file: string, rows: number) {
  const out = createWriteStream(file);
  for (const line of formatHeadlines(generateHeadlines({ count: rows, seed: 42, badRows: Math.round(rows / 1000) }), "csv")) {
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await finished(out);
}
