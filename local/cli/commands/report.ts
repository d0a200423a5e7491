import { writeFile } from "node:fs/promises";
import path from "node:path";
import { BadInputError } from "../../../functions/core/errors.ts";
import { manifestKey } from "../../../functions/core/lake-keys.ts";
import type { ObjectStore } from "../../../functions/core/ports.ts";
import { readRunReport, type RunReport } from "../../../functions/core/lake/report.ts";
import { DirectoryObjectStore } from "../../adapters/directory-object-store.ts";
import { UsageError, type Command } from "../command.ts";
import { EXIT } from "../exit-codes.mjs";
import { dailyIndexRows, GOLD } from "../../query/daily-index.ts";
import { queryLake } from "../../query/lake-catalog.ts";
import { renderReportHtml } from "../../report/html.ts";
import { indexSeries } from "../../report/index-series.ts";
import { formatReportText } from "../../report/text.ts";
import { runSentimentSeries } from "../../report/sentiment-series.ts";

const report: Command = {
  name: "report",
  summary: "show a run's report: counts, timings, failed shards, throughput, cost; --html adds sentiment and gold index charts",
  usage: "goldpipe report RUN_ID [--html FILE] [--lake DIR] [--json]",
  options: {
    html: {
      type: "string",
      value: "FILE",
      description: "also write the report as a self-contained HTML page with charts of sentiment and of the gold index over time",
    },
  },
  async run({ positionals, values }, context) {
    if (positionals.length !== 1) throw new UsageError("give one RUN_ID (goldpipe status lists the runs)");
    const runId = positionals[0]!;
    const store = new DirectoryObjectStore(context.lake);
    const runReport = await readRunReport(store, runId);
    if (!runReport) throw await missingReport(store, context.lake, runId);
    if (typeof values.html === "string") {
      const file = path.resolve(values.html);
      const gold = await runDaysIndex(context.lake, runReport.days);
      await writeFile(file, renderReportHtml(runReport, await runSentimentSeries(context.lake, runId), gold));
      context.stderr.write(`wrote ${file}\n`);
    }
    context.stdout.write(context.json ? `${JSON.stringify(runReport, null, 2)}\n` : formatReportText(runReport));
    return EXIT.ok;
  },
};
export default report;

/** Gold's daily index over the days the run wrote, from every run's headlines in the lake. */
async function runDaysIndex(lake: string, days: RunReport["days"]) {
  const rows =
    days.first === null
      ? []
      : await dailyIndexRows((sql, params) => queryLake(lake, sql, params), { from: days.first, to: days.last, instrument: GOLD });
  return indexSeries(GOLD, rows);
}

async function missingReport(store: ObjectStore, lake: string, runId: string): Promise<BadInputError> {
  return (await store.head(manifestKey(runId)))
    ? new BadInputError(`run ${runId} has no report yet: it has not finished`, `goldpipe status ${runId} shows where it is`)
    : new BadInputError(`no run ${runId} in ${lake}`, "goldpipe status lists the runs; --lake DIR picks another lake");
}
