import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { sqlString } from "./sql-literal.ts";
import { CURATED_PREFIX, curatedPartitionPrefix } from "../lake-keys.ts";

/**
 * The curated table, goldpipe.headline_sentiment, as athena/headline_sentiment.yml defines it once
 * for the AWS stack (Glue), the merge (partition refresh) and the local catalog (a DuckDB view).
 * The side that runs the code reads the file (functions/aws/table-definition.ts in a Lambda,
 * local/query/table-definition.ts on this machine) and passes the definition in.
 */

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

const ColumnSchema = z.object({
  Name: z.string().regex(IDENTIFIER),
  Type: z.string().min(1),
  Comment: z.string().optional(),
});

export const TableDefinitionSchema = z.object({
  Database: z.string().regex(IDENTIFIER),
  Name: z.string().regex(IDENTIFIER),
  LocationPrefix: z.literal(CURATED_PREFIX),
  Columns: z.array(ColumnSchema).min(1),
  PartitionKeys: z.tuple([
    ColumnSchema.extend({ Name: z.literal("year"), Type: z.literal("int") }),
    ColumnSchema.extend({ Name: z.literal("month"), Type: z.literal("int") }),
    ColumnSchema.extend({ Name: z.literal("day"), Type: z.literal("int") }),
  ]),
  Parameters: z.record(z.string(), z.string()),
  InputFormat: z.string().min(1),
  OutputFormat: z.string().min(1),
  SerdeInfo: z.object({
    SerializationLibrary: z.string().min(1),
    Parameters: z.record(z.string(), z.string()).optional(),
  }),
});
export type TableDefinition = z.infer<typeof TableDefinitionSchema>;
export type TableColumn = TableDefinition["Columns"][number];

/** One curated partition: the UTC date of the headlines' publication. */
export interface Partition {
  year: number;
  month: number;
  day: number;
}

/** Where the definition lives, in the repository and at the same path in a Lambda package (serverless.yml package.patterns). */
export const TABLE_DEFINITION_PATH = "athena/headline_sentiment.yml";

/** The definition from the file's YAML text; `source` names the file in the error when it is not one. */
export function parseTableDefinition(yamlText: string, source: string): TableDefinition {
  const parsed = TableDefinitionSchema.safeParse(parseYaml(yamlText));
  if (!parsed.success) throw new Error(`${source} is not a table definition: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** database.table; a stage may keep the table in a database of its own (ATHENA_DATABASE). */
export const qualifiedName = (table: TableDefinition, database = table.Database) => `${database}.${table.Name}`;

/**
 * The most one refresh statement may hold. Athena takes 256 KiB per query, and RefreshPartitions reads
 * each statement into the workflow's state, which Step Functions caps at 256 KiB in all: half leaves room
 * for the rest (about 900 days of partitions per statement).
 */
export const MAX_REFRESH_STATEMENT_BYTES = 128 * 1024;

/**
 * The statements that register the partitions in the Glue catalog, in date order: `ALTER TABLE … ADD
 * IF NOT EXISTS` with a `PARTITION (…) LOCATION '…'` clause per partition, as many statements as it takes
 * to keep each under MAX_REFRESH_STATEMENT_BYTES; none when there are no partitions. Never MSCK REPAIR
 * TABLE: it would register the zero-padded key text (month=03 as "03") beside these integer values, two
 * partitions over one location and every row counted twice. Each partition is named once, by its integer
 * values, at the location its values give. tableName is qualifiedName's; lakeUri is where the lake's keys
 * start, e.g. "s3://bucket/".
 */
export function refreshStatements(tableName: string, partitions: Partition[], lakeUri: string): string[] {
  const head = `ALTER TABLE ${tableName} ADD IF NOT EXISTS`;
  const statements: string[] = [];
  let clauses: string[] = [];
  let bytes = Buffer.byteLength(head);
  for (const p of sortPartitions(partitions)) {
    const clause =
      `\n  PARTITION (year = ${p.year}, month = ${p.month}, day = ${p.day}) ` +
      `LOCATION ${sqlString(lakeUri + curatedPartitionPrefix(p))}`;
    const clauseBytes = Buffer.byteLength(clause);
    if (clauses.length > 0 && bytes + clauseBytes > MAX_REFRESH_STATEMENT_BYTES) {
      statements.push(head + clauses.join(""));
      clauses = [];
      bytes = Buffer.byteLength(head);
    }
    clauses.push(clause);
    bytes += clauseBytes;
  }
  if (clauses.length > 0) statements.push(head + clauses.join(""));
  return statements;
}

const PARTITION_CLAUSE = /PARTITION \(year = (\d+), month = (\d+), day = (\d+)\)/g;

/** The partitions a refresh statement registers. */
export function partitionsOfRefreshStatement(statement: string): Partition[] {
  if (!/^ALTER TABLE \S+ ADD IF NOT EXISTS\s/.test(statement)) {
    throw new Error(`not a partition refresh statement: ${statement.slice(0, 80)}`);
  }
  return [...statement.matchAll(PARTITION_CLAUSE)].map(([, year, month, day]) => ({
    year: Number(year),
    month: Number(month),
    day: Number(day),
  }));
}

export function sortPartitions(partitions: Partition[]): Partition[] {
  const unique = new Map(partitions.map((p) => [curatedPartitionPrefix(p), p]));
  return [...unique.values()].sort((a, b) => a.year - b.year || a.month - b.month || a.day - b.day);
}

/** CREATE EXTERNAL TABLE for Athena, the same table the stack declares as an AWS::Glue::Table. */
export function createTableDdl(table: TableDefinition, lakeUri: string): string {
  const column = (c: TableColumn) => `  \`${c.Name}\` ${c.Type}${c.Comment ? ` COMMENT ${sqlString(c.Comment)}` : ""}`;
  const properties = (record: Record<string, string>) =>
    Object.entries(record)
      .map(([key, value]) => `${sqlString(key)} = ${sqlString(value)}`)
      .join(", ");
  const { EXTERNAL: _external, ...tableProperties } = table.Parameters;
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS \`${table.Database}\`.\`${table.Name}\` (`,
    table.Columns.map(column).join(",\n"),
    ")",
    `PARTITIONED BY (\n${table.PartitionKeys.map(column).join(",\n")}\n)`,
    `ROW FORMAT SERDE ${sqlString(table.SerdeInfo.SerializationLibrary)}`,
    ...(table.SerdeInfo.Parameters ? [`WITH SERDEPROPERTIES (${properties(table.SerdeInfo.Parameters)})`] : []),
    `STORED AS INPUTFORMAT ${sqlString(table.InputFormat)}`,
    `OUTPUTFORMAT ${sqlString(table.OutputFormat)}`,
    `LOCATION ${sqlString(lakeUri + table.LocationPrefix)}`,
    `TBLPROPERTIES (${properties(tableProperties)})`,
  ].join("\n");
}

/**
 * The table as a DuckDB view over the curated Parquet under lakeDir, each column cast to the
 * table's type, so SQL written for Athena runs unchanged. With no curated file yet, the view is
 * empty but typed.
 */
export function duckdbViewSql(table: TableDefinition, lakeDir: string, hasFiles: boolean): string {
  const columns = [...table.Columns, ...table.PartitionKeys];
  const name = `${table.Database}.${table.Name}`;
  if (!hasFiles) {
    const nulls = columns.map((c) => `CAST(NULL AS ${duckdbType(c.Type)}) AS ${c.Name}`).join(", ");
    return `CREATE OR REPLACE VIEW ${name} AS SELECT ${nulls} WHERE false`;
  }
  const hiveTypes = table.PartitionKeys.map((k) => `'${k.Name}': ${duckdbType(k.Type)}`).join(", ");
  const casts = columns.map((c) => `CAST(${c.Name} AS ${duckdbType(c.Type)}) AS ${c.Name}`).join(",\n  ");
  return (
    `CREATE OR REPLACE VIEW ${name} AS SELECT\n  ${casts}\n` +
    `FROM read_parquet(${sqlString(curatedGlob(table, lakeDir))}, ` +
    `hive_partitioning = true, hive_types = {${hiveTypes}}, union_by_name = true)`
  );
}

/** Every curated file under a lake directory: year=/month=/day=/<run_id>-<k>.parquet. */
export const curatedGlob = (table: TableDefinition, lakeDir: string) =>
  `${lakeDir.replace(/\/+$/, "")}/${table.LocationPrefix}*/*/*/*.parquet`;

const SCALAR_TYPES: Record<string, string> = {
  string: "VARCHAR",
  boolean: "BOOLEAN",
  tinyint: "TINYINT",
  smallint: "SMALLINT",
  int: "INTEGER",
  integer: "INTEGER",
  bigint: "BIGINT",
  float: "FLOAT",
  double: "DOUBLE",
  date: "DATE",
  timestamp: "TIMESTAMP",
  binary: "BLOB",
};

/** A Hive/Athena column type (e.g. struct<file:string,line:bigint>) as the DuckDB type of the same values. */
export function duckdbType(hiveType: string): string {
  const text = hiveType.replace(/\s+/g, "").toLowerCase();
  let at = 0;
  const fail = (): never => {
    throw new Error(`unsupported Athena type "${hiveType}" at character ${at + 1}`);
  };
  const expect = (token: string) => {
    if (!text.startsWith(token, at)) fail();
    at += token.length;
  };
  const word = () => {
    const match = /^[a-z_][a-z0-9_]*/.exec(text.slice(at)) ?? fail();
    at += match[0].length;
    return match[0];
  };
  const type = (): string => {
    const name = word();
    if (name === "array") {
      expect("<");
      const element = type();
      expect(">");
      return `${element}[]`;
    }
    if (name === "map") {
      expect("<");
      const key = type();
      expect(",");
      const value = type();
      expect(">");
      return `MAP(${key}, ${value})`;
    }
    if (name === "struct") {
      expect("<");
      const fields: string[] = [];
      do {
        if (fields.length > 0) expect(",");
        const field = word();
        expect(":");
        fields.push(`${field} ${type()}`);
      } while (text[at] === ",");
      expect(">");
      return `STRUCT(${fields.join(", ")})`;
    }
    return SCALAR_TYPES[name] ?? fail();
  };
  const result = type();
  if (at !== text.length) fail();
  return result;
}
