import { readFileSync } from "node:fs";
import path from "node:path";
import { parseTableDefinition, TABLE_DEFINITION_PATH, type TableDefinition } from "../core/lake/lake-table.ts";

const read = new Map<string, TableDefinition>();

/**
 * The curated table's definition as the function's package ships it, under Lambda's task root
 * (LAMBDA_TASK_ROOT; the working directory when it is not set). Read once per container: esbuild
 * bundles the code into one file, so the definition is found by the package's layout, not the source's.
 */
export function packagedTableDefinition(env: Record<string, string | undefined> = process.env): TableDefinition {
  const file = path.resolve(env.LAMBDA_TASK_ROOT ?? ".", TABLE_DEFINITION_PATH);
  const known = read.get(file);
  if (known) return known;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(
      `cannot read the table definition ${file} (${(error as Error).message}): ` +
        `the function's package must include ${TABLE_DEFINITION_PATH} (serverless.yml package.patterns)`,
    );
  }
  const table = parseTableDefinition(text, file);
  read.set(file, table);
  return table;
}
