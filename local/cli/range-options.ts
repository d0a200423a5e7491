import { z } from "zod";
import { BadInputError } from "../../functions/core/errors.ts";
import type { OptionSpec } from "./command.ts";

/** The options of the commands over the gold index: a range of UTC days and one instrument. */
export const RANGE_OPTIONS: Record<"from" | "to" | "instrument", OptionSpec> = {
  from: { type: "string", value: "YYYY-MM-DD", description: "the first UTC day (default: the first in the lake)" },
  to: { type: "string", value: "YYYY-MM-DD", description: "the last UTC day (default: the last in the lake)" },
  instrument: { type: "string", value: "SYMBOL", description: "one instrument: XAU (gold), XAG, XPT, XPD, GDX, DXY, UST, TIPS, FED…" },
};

const DateSchema = z.iso.date();

/** The value of a --NAME YYYY-MM-DD option, or undefined when it was not given; a day that cannot be is the user's to fix. */
export function dateOption(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !DateSchema.safeParse(value).success) {
    throw new BadInputError(`--${name} ${String(value)} is not a calendar date`, "write it as YYYY-MM-DD, e.g. 2024-03-01");
  }
  return value;
}
