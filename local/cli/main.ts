import { parseArgs } from "node:util";
import path from "node:path";
import { BadInputError } from "../../functions/core/errors.ts";
import { userFixable } from "../aws/errors.ts";
import { UsageError, type Command, type CommandContext, type OptionSpec, type ParsedArgs } from "./command.ts";
import { EXIT, EXIT_CODES_HELP } from "./exit-codes.mjs";

const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  ingest: () => import("./commands/ingest.ts"),
  generate: () => import("./commands/generate.ts"),
  run: () => import("./commands/run.ts"),
  replay: () => import("./commands/replay.ts"),
  status: () => import("./commands/status.ts"),
  query: () => import("./commands/query.ts"),
  report: () => import("./commands/report.ts"),
  index: () => import("./commands/index.ts"),
  watch: () => import("./commands/watch.ts"),
  plan: () => import("./commands/plan.ts"),
  serve: () => import("./commands/serve.ts"),
};

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  lake: { type: "string", value: "DIR", description: "the local lake directory (default $GOLDPIPE_LAKE, else ./lake)" },
  json: { type: "boolean", description: "print machine-readable JSON on stdout instead of human text" },
  help: { type: "boolean", short: "h", description: "show this help" },
};

export async function main(argv: string[], io: Pick<CommandContext, "stdout" | "stderr"> = process): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(await overview());
    return name === undefined ? EXIT.badInput : EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`goldpipe: unknown command "${name}". Run "goldpipe --help" for the list.\n`);
    return EXIT.badInput;
  }
  const command = (await load()).default;
  try {
    const options = { ...COMMON_OPTIONS, ...command.options };
    const { values, positionals } = parseOptions(command, options, rest);
    if (values.help) {
      io.stdout.write(helpFor(command, options));
      return EXIT.ok;
    }
    const context: CommandContext = {
      lake: path.resolve(String(values.lake ?? process.env.GOLDPIPE_LAKE ?? "lake")),
      json: values.json === true,
      ...io,
    };
    return await command.run({ positionals, values: values as ParsedArgs["values"] }, context);
  } catch (error) {
    return reportError(userFixable(error) ?? error, command, io.stderr);
  }
}

function parseOptions(command: Command, options: Record<string, OptionSpec>, args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: Object.fromEntries(
        // parseArgs rejects short: undefined, so only the properties a spec sets are passed.
        Object.entries(options).map(([key, { type, short, multiple }]) => [
          key,
          { type, ...(short !== undefined && { short }), ...(multiple !== undefined && { multiple }) },
        ]),
      ),
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0] ?? `bad arguments to ${command.name}`);
  }
}

function reportError(error: unknown, command: Command, stderr: CommandContext["stderr"]): number {
  if (error instanceof UsageError) {
    stderr.write(`goldpipe ${command.name}: ${error.message}\nusage: ${command.usage} (see --help)\n`);
    return EXIT.badInput;
  }
  if (error instanceof BadInputError) {
    stderr.write(`goldpipe ${command.name}: ${error.message}${error.hint ? ` (${error.hint})` : ""}\n`);
    return EXIT.badInput;
  }
  const detail = process.env.GOLDPIPE_DEBUG ? (error as Error)?.stack : ((error as Error)?.message ?? String(error));
  stderr.write(`goldpipe ${command.name}: internal error: ${detail}\nSet GOLDPIPE_DEBUG=1 for the stack trace.\n`);
  return EXIT.internal;
}

function helpFor(command: Command, options: Record<string, OptionSpec>): string {
  const flags = Object.entries(options).map(([key, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ""}--${key}${spec.value ? ` ${spec.value}` : ""}`;
    return `  ${flag.padEnd(28)} ${spec.description}`;
  });
  return `${command.summary}\n\nusage: ${command.usage}\n\noptions:\n${flags.join("\n")}\n`;
}

async function overview(): Promise<string> {
  const lines = await Promise.all(
    Object.entries(COMMANDS).map(async ([name, load]) => {
      const { summary } = (await load()).default;
      return `  ${name.padEnd(10)} ${summary}`;
    }),
  );
  return (
    "goldpipe: score gold-market headlines with GPU language models, in AWS or on this machine.\n\n" +
    "usage: goldpipe COMMAND [options]   (goldpipe COMMAND --help for each)\n\n" +
    `commands:\n${lines.join("\n")}\n\n${EXIT_CODES_HELP}\n`
  );
}
