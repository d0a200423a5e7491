import { writeFile } from "node:fs/promises";
import path from "node:path";
import { BadInputError } from "../../../functions/core/errors.ts";
import { AWS_OPTIONS, awsStack, awsTargetOf } from "../../aws/target.ts";
import { UsageError, type Command } from "../command.ts";
import { EXIT } from "../exit-codes.mjs";
import { dateOption, RANGE_OPTIONS } from "../range-options.ts";
import { dailyIndexRows, GOLD, type RunQuery } from "../../query/daily-index.ts";
import { queryLake } from "../../query/lake-catalog.ts";
import { renderIndexHtml } from "../../report/index-html.ts";
import { indexSeries } from "../../report/index-series.ts";
import { formatIndexText } from "../../report/index-text.ts";

const index: Command = {
  name: "index",
  summary: "the directionality index of one instrument (gold, XAU, unless --instrument) per day, as a chart in the terminal or a page",
  usage:
    "goldpipe index [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--instrument SYMBOL] [--html FILE] " +
    "[--lake DIR | --aws [--stage STAGE]] [--json]",
  options: {
    ...RANGE_OPTIONS,
    html: { type: "string", value: "FILE", description: "also write the chart and its figures as a self-contained HTML page" },
    ...AWS_OPTIONS,
  },
  async run({ positionals, values }, context) {
    if (positionals.length > 0) throw new UsageError(`goldpipe index takes no arguments, only options (got "${positionals[0]}")`);
    const from = dateOption("from", values.from) ?? null;
    const to = dateOption("to", values.to) ?? null;
    if (from !== null && to !== null && from > to) {
      throw new BadInputError(`--from ${from} is after --to ${to}`, "give the earlier day as --from");
    }
    const instrument = typeof values.instrument === "string" ? values.instrument.trim().toUpperCase() : GOLD;
    const target = await awsTargetOf(values);
    const run: RunQuery = target
      ? (sql, params) => awsStack(target).athena.run(sql, params)
      : (sql, params) => queryLake(context.lake, sql, params);
    const days = await dailyIndexRows(run, { from, to, instrument });
    const series = indexSeries(instrument, days);
    if (typeof values.html === "string") {
      const file = path.resolve(values.html);
      await writeFile(file, renderIndexHtml(series));
      context.stderr.write(`wrote ${file}\n`);
    }
    context.stdout.write(context.json ? `${JSON.stringify({ instrument, from, to, days }, null, 2)}\n` : formatIndexText(series));
    return EXIT.ok;
  },
};
export default index;
