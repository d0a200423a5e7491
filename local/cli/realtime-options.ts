import { readFile } from "node:fs/promises";
import { BadInputError } from "../../functions/core/errors.ts";
import type { RealtimeRoute } from "../../functions/core/realtime/dispatch.ts";
import { parseRealtimeConfig } from "../../functions/core/realtime/realtime-config.ts";
import { HttpRealtimeScorer } from "../adapters/http-realtime-scorer.ts";
import { UsageError, type OptionSpec, type ParsedArgs } from "./command.ts";

/** The options of the commands that ingest on this machine (ingest, run, watch) for hybrid routing (docs/realtime.md). */
export const REALTIME_OPTIONS: Record<string, OptionSpec> = {
  "realtime-url": {
    type: "string",
    value: "URL",
    description:
      "during market hours, score critical headlines at once on this endpoint, e.g. goldpipe serve's (default $GOLDPIPE_REALTIME_URL)",
  },
  "realtime-config": {
    type: "string",
    value: "FILE",
    description: "which headlines are critical and which markets' hours count, YAML or JSON (docs/realtime.md)",
  },
};

/** The real-time route the options ask for, or undefined when no endpoint is given. */
export async function realtimeRouteFor(values: ParsedArgs["values"]): Promise<RealtimeRoute | undefined> {
  const url = typeof values["realtime-url"] === "string" ? values["realtime-url"] : process.env.GOLDPIPE_REALTIME_URL || undefined;
  const file = values["realtime-config"];
  if (url === undefined) {
    if (typeof file === "string") throw new UsageError("--realtime-config needs --realtime-url (or GOLDPIPE_REALTIME_URL)");
    return undefined;
  }
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new UsageError(`--realtime-url wants an http:// address such as http://127.0.0.1:8080, not "${url}"`);
  }
  const text =
    typeof file === "string"
      ? await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
          throw new BadInputError(`cannot read the real-time configuration ${file} (${error.code ?? error.message})`);
        })
      : "";
  const config = parseRealtimeConfig(text, typeof file === "string" ? file : "the default real-time configuration");
  const { sources, keywords, symbols } = config.critical;
  if (sources.length + keywords.length + symbols.length === 0) {
    throw new BadInputError(
      "with --realtime-url, the real-time configuration must name critical sources, keywords or symbols (none would go real-time)",
      "pass --realtime-config FILE; see docs/realtime.md",
    );
  }
  return { scorer: new HttpRealtimeScorer(url), config };
}
