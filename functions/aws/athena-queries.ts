import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  type AthenaClient,
  type ColumnInfo,
  type QueryExecution,
  type Row,
} from "@aws-sdk/client-athena";
import type { Json } from "@duckdb/node-api";
import { sqlString } from "../core/lake/sql-literal.ts";
import { BadInputError } from "../core/errors.ts";
import { parseAthenaCollection } from "./athena-text.ts";

/** A query's answer: its columns (name and Athena type) and its rows as objects. */
export interface AthenaResult {
  columns: { name: string; type: string }[];
  rows: Record<string, AthenaValue>[];
}
export type AthenaValue = Json;

export interface AthenaQueryOptions {
  /** The workgroup; its configuration holds the results location. */
  workgroup: string;
  /** The database unqualified table names resolve in. */
  database: string;
  /** Waits between polls of the query's state: the first, doubling up to the last. */
  pollMs?: { first: number; max: number };
  sleep?: (ms: number) => Promise<void>;
}

/** Athena's ErrorCategory for a query the user wrote wrong (1 is Athena's own, 3 other). */
const USER_ERROR = 2;
const PAGE_ROWS = 1000;

/**
 * Runs SQL on Athena and waits for the rows: StartQueryExecution in the workgroup, GetQueryExecution
 * until it ends, then every page of GetQueryResults. `?` parameters are bound as SQL literals.
 * A query Athena rejects as the user's mistake is a BadInputError with Athena's reason.
 */
export class AthenaQueries {
  readonly #client: AthenaClient;
  readonly #options: Required<AthenaQueryOptions>;

  constructor(client: AthenaClient, options: AthenaQueryOptions) {
    this.#client = client;
    this.#options = {
      pollMs: { first: 250, max: 2000 },
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      ...options,
    };
  }

  async run(sql: string, params: readonly (string | null)[] = []): Promise<AthenaResult> {
    const id = await this.#start(sql, params);
    const execution = await this.#finished(id);
    return this.#results(id, execution.StatementType === "DML");
  }

  async #start(sql: string, params: readonly (string | null)[]): Promise<string> {
    try {
      const { QueryExecutionId } = await this.#client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: this.#options.workgroup,
          QueryExecutionContext: { Database: this.#options.database },
          ...(params.length > 0 && { ExecutionParameters: params.map((p) => (p === null ? "NULL" : sqlString(p))) }),
        }),
      );
      if (!QueryExecutionId) throw new Error("Athena started the query but returned no query execution id");
      return QueryExecutionId;
    } catch (error) {
      if (error instanceof InvalidRequestException) throw new BadInputError(`Athena refused the query: ${error.message}`);
      throw error;
    }
  }

  async #finished(id: string): Promise<QueryExecution> {
    let wait = this.#options.pollMs.first;
    for (;;) {
      const { QueryExecution: execution } = await this.#client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = execution?.Status?.State;
      if (state === "SUCCEEDED") return execution!;
      if (state === "FAILED") {
        const reason = execution?.Status?.StateChangeReason ?? "no reason given";
        if (execution?.Status?.AthenaError?.ErrorCategory === USER_ERROR) throw new BadInputError(`Athena: ${reason}`);
        throw new Error(`Athena query ${id} failed: ${reason}`);
      }
      if (state === "CANCELLED") throw new Error(`Athena query ${id} was cancelled before it finished`);
      await this.#options.sleep(wait);
      wait = Math.min(wait * 2, this.#options.pollMs.max);
    }
  }

  async #results(id: string, hasHeaderRow: boolean): Promise<AthenaResult> {
    let columnInfo: ColumnInfo[] = [];
    const rows: Row[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: PAGE_ROWS, NextToken: nextToken }),
      );
      if (nextToken === undefined) columnInfo = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      rows.push(...(page.ResultSet?.Rows ?? []));
      nextToken = page.NextToken;
    } while (nextToken);

    // A SELECT's first row repeats the column names.
    const dataRows = hasHeaderRow ? rows.slice(1) : rows;
    const columns = columnInfo.map((c) => ({ name: c.Name ?? c.Label ?? "", type: c.Type ?? "varchar" }));
    return {
      columns,
      rows: dataRows.map((row) =>
        Object.fromEntries(columns.map((column, i) => [column.name, athenaValue(row.Data?.[i]?.VarCharValue, column.type)])),
      ),
    };
  }
}

const INTEGER_TYPES = new Set(["tinyint", "smallint", "integer", "int", "bigint"]);
const FLOAT_TYPES = new Set(["double", "real", "float", "decimal"]);
const COLLECTION_TYPES = new Set(["array", "map", "row", "struct"]);

/** Athena answers every value as text; numbers and booleans become JS ones, arrays, maps and rows JSON, the rest stays text. */
export function athenaValue(text: string | undefined, type: string): AthenaValue {
  if (text === undefined) return null;
  const base = type.toLowerCase().replace(/\(.*$/, "");
  if (INTEGER_TYPES.has(base)) {
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : text;
  }
  if (FLOAT_TYPES.has(base)) {
    const value = Number(text);
    return Number.isFinite(value) ? value : text;
  }
  if (base === "boolean") return text === "true";
  if (COLLECTION_TYPES.has(base)) return parseAthenaCollection(text);
  return text;
}
