import { readdir, readFile } from "node:fs/promises";
import { BadInputError } from "../../functions/core/errors.ts";

/**
 * The named queries users run with `goldpipe query --named NAME`: plain SQL in sql/named/NAME.sql,
 * written against headline_sentiment so the same text runs on Athena. The leading comment lines
 * describe the query; a `-- param: NAME  description` line declares a parameter, bound in
 * declaration order to the query's `?` placeholders (Athena's execution parameters, positional
 * as well). A parameter left out is bound as NULL, which each query reads as its default.
 */
export interface NamedQuery {
  name: string;
  summary: string;
  params: { name: string; description: string }[];
  sql: string;
}

export const NAMED_QUERIES_DIR = new URL("../../sql/named/", import.meta.url);

const PARAM_LINE = /^--\s*param:\s*([a-z][a-z0-9_-]*)\s+(.*)$/;

export async function namedQueries(): Promise<NamedQuery[]> {
  const files = (await readdir(NAMED_QUERIES_DIR)).filter((f) => f.endsWith(".sql")).sort();
  return Promise.all(
    files.map(async (file) => parseNamedQuery(file.slice(0, -4), await readFile(new URL(file, NAMED_QUERIES_DIR), "utf8"))),
  );
}

export async function namedQuery(name: string): Promise<NamedQuery> {
  const all = await namedQueries();
  const query = all.find((q) => q.name === name);
  if (!query) {
    throw new BadInputError(`no named query "${name}"`, `the named queries are: ${all.map((q) => q.name).join(", ")}`);
  }
  return query;
}

export function parseNamedQuery(name: string, text: string): NamedQuery {
  const lines = text.split("\n");
  const header = lines.slice(
    0,
    lines.findIndex((line) => !line.startsWith("--")),
  );
  const params = header.flatMap((line) => {
    const match = PARAM_LINE.exec(line);
    return match ? [{ name: match[1]!, description: match[2]!.trim() }] : [];
  });
  const summary = header.find((line) => !PARAM_LINE.test(line))?.replace(/^--\s*/, "") ?? name;
  const sql = text.trim();
  const placeholders =
    sql
      .split("\n")
      .filter((line) => !line.startsWith("--"))
      .join("\n")
      .split("?").length - 1;
  if (placeholders !== params.length) {
    throw new Error(`named query ${name}: ${placeholders} placeholders but ${params.length} declared parameters`);
  }
  return { name, summary, params, sql };
}
