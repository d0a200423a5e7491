import { z } from "zod";
import { BadInputError } from "../../functions/core/errors.ts";

const DateSchema = z.iso.date();

/** The value of a --NAME YYYY-MM-DD option, or undefined when it was not given; a day that cannot be is the user's to fix. */
export function dateOption(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !DateSchema.safeParse(value).success) {
    throw new BadInputError(`--${name} ${String(value)} is not a calendar date`, "write it as YYYY-MM-DD, e.g. 2024-03-01");
  }
  return value;
}
