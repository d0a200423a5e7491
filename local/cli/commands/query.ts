import { AWS_OPTIONS, awsStack, awsTargetOf } from "../../aws/target.ts";
import { UsageError, type Command } from "../command.ts";
import { EXIT } from "../exit-codes.mjs";
import { dateOption, RANGE_OPTIONS } from "../range-options.ts";
import { queryLake } from "../../query/lake-catalog.ts";
import { namedQueries, namedQuery } from "../../query/named-queries.ts";
import { formatResult, RESULT_FORMATS, type ResultFormat } from "../../query/result-format.ts";

/** Options that fill a named query's parameter of the same name. */
const PARAM_OPTIONS = ["date", "from", "to", "instrument"] as const;
const DATE_PARAMS = new Set(["date", "from", "to"]);

const query: Command = {
  name: "query",
  summary: "run SQL against headline_sentiment: in the local lake (DuckDB), or with --aws on Athena; the same SQL",
  usage:
    'goldpipe query "SQL" | --named NAME [--date D | --from D --to D --instrument SYMBOL] [--format table|csv|json] ' +
    "[--lake DIR [--unrestricted] | --aws [--stage STAGE]] [--json]",
  options: {
    named: { type: "string", value: "NAME", description: "run a named query, one of sql/named/*.sql (goldpipe query alone lists them)" },
    date: { type: "string", value: "YYYY-MM-DD", description: "the UTC day, for named queries that take one (most-negative)" },
    ...RANGE_OPTIONS,
    format: { type: "string", value: "FORMAT", description: "table (default), csv or json; --json is --format json" },
    unrestricted: {
      type: "boolean",
      description: "let the local query write (COPY, ATTACH, CREATE…) and read files outside the lake; by default it only reads the lake",
    },
    ...AWS_OPTIONS,
  },
  async run({ positionals, values }, context) {
    const format = resultFormat(values.format, context.json);
    const { sql, params } = await statement(positionals, values);
    const target = await awsTargetOf(values);
    if (target && values.unrestricted) throw new UsageError("--unrestricted is for the local lake; on Athena the workgroup decides");
    const result = target
      ? await awsStack(target).athena.run(sql, params)
      : await queryLake(context.lake, sql, params, { unrestricted: values.unrestricted === true });
    context.stdout.write(formatResult(result, format));
    return EXIT.ok;
  },
};
export default query;

function resultFormat(value: unknown, json: boolean): ResultFormat {
  if (json) {
    if (value !== undefined && value !== "json") throw new UsageError(`--json and --format ${String(value)} disagree; give one`);
    return "json";
  }
  if (value === undefined) return "table";
  if (!RESULT_FORMATS.includes(value as ResultFormat)) {
    throw new UsageError(`--format must be one of ${RESULT_FORMATS.join(", ")}, not "${String(value)}"`);
  }
  return value as ResultFormat;
}

/** The SQL to run and its parameters: the positional SQL, or a named query with its parameters from the options. */
async function statement(positionals: string[], values: Record<string, unknown>): Promise<{ sql: string; params: (string | null)[] }> {
  const name = values.named as string | undefined;
  if (name === undefined) {
    if (positionals.length !== 1) {
      const names = (await namedQueries()).map((q) => q.name).join(", ");
      throw new UsageError(`give one SQL statement in quotes, or --named NAME (${names})`);
    }
    const given = PARAM_OPTIONS.find((option) => values[option] !== undefined);
    if (given) throw new UsageError(`--${given} goes with --named; write it into your SQL`);
    return { sql: positionals[0]!, params: [] };
  }
  if (positionals.length > 0) throw new UsageError("give either SQL or --named NAME, not both");
  const named = await namedQuery(name);
  const declared = new Set(named.params.map((p) => p.name));
  const stray = PARAM_OPTIONS.find((option) => values[option] !== undefined && !declared.has(option));
  if (stray) throw new UsageError(`the named query ${name} takes no --${stray}`);
  const params = named.params.map((param) => {
    const value = DATE_PARAMS.has(param.name) ? dateOption(param.name, values[param.name]) : (values[param.name] as string | undefined);
    return value ?? null;
  });
  return { sql: named.sql, params };
}
