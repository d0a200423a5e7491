/**
 * One merge in a process of its own, for bench:merge's memory figure: prints the process's peak
 * resident memory (DuckDB runs in it) after merging run bench-run of the lake directory.
 *
 *   node benchmarks/merge-peak-rss.ts LAKE [MEMORY_LIMIT_MB]
 */
import { mergeRun } from "../functions/core/lake/merge.ts";
import { DirectoryObjectStore } from "../local/adapters/directory-object-store.ts";

const [lake, memoryLimit] = process.argv.slice(2);
if (!lake) throw new Error("usage: node benchmarks/merge-peak-rss.ts LAKE [MEMORY_LIMIT_MB]");
const result = await mergeRun("bench-run", {
  store: new DirectoryObjectStore(lake),
  memoryLimitMb: memoryLimit === undefined ? undefined : Number(memoryLimit),
});
console.log(JSON.stringify({ peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), seconds: result.seconds }));
