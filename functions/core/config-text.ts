import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { BadInputError } from "./errors.ts";

/**
 * A configuration written as YAML or JSON (empty text means every default), checked against its schema;
 * `source` names it in the error and `hint` says where it is documented.
 */
export function parseConfigText<S extends z.ZodType>(schema: S, text: string, source: string, what: string, hint: string): z.output<S> {
  let document: unknown;
  try {
    document = text.trim() === "" ? {} : parseYaml(text);
  } catch (error) {
    throw new BadInputError(`${source} is not YAML or JSON: ${(error as Error).message.split("\n")[0]}`);
  }
  const parsed = schema.safeParse(document ?? {});
  if (!parsed.success) {
    throw new BadInputError(`${source} is not a valid ${what}: ${z.prettifyError(parsed.error).replaceAll("\n", " ")}`, hint);
  }
  return parsed.data;
}
