import type { Writable } from "node:stream";

/** One option of a subcommand, as node:util parseArgs takes it plus the words --help shows. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Shown in --help after the flag, e.g. "N" or "DIR". */
  value?: string;
  description: string;
}

export interface CommandContext {
  /** The local lake directory (--lake, else $GOLDPIPE_LAKE, else ./lake). */
  lake: string;
  /** --json: machine-readable JSON on stdout instead of human text. */
  json: boolean;
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

export interface Command {
  name: string;
  summary: string;
  /** The synopsis line, e.g. "goldpipe ingest FILE… [--lake DIR] [--json]". */
  usage: string;
  /** Options beyond the common --lake, --json and --help. */
  options?: Record<string, OptionSpec>;
  /** Resolves to the process exit code, one of EXIT (exit-codes.mjs). */
  run(args: ParsedArgs, context: CommandContext): Promise<number>;
}

/** Wrong arguments: printed on one line with a pointer to --help, exit EXIT.badInput. */
export class UsageError extends Error {
  override name = "UsageError";
}
