import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseTableDefinition, TABLE_DEFINITION_PATH, type TableDefinition } from "../../functions/core/lake/lake-table.ts";

let cached: TableDefinition | undefined;

/** The curated table's definition from this repository's athena/headline_sentiment.yml, read once per process. */
export function repositoryTableDefinition(): TableDefinition {
  if (cached) return cached;
  const file = fileURLToPath(new URL(`../../${TABLE_DEFINITION_PATH}`, import.meta.url));
  cached = parseTableDefinition(readFileSync(file, "utf8"), file);
  return cached;
}
