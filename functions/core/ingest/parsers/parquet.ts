import { DuckDBInstance } from "@duckdb/node-api";
import { sqlString } from "../../lake/sql-literal.ts";
import { BadInputError } from "../../errors.ts";
import { resolveColumns, type InputRecord } from "../input-shapes.ts";

/**
 * A Parquet file on local disk (the fanout copies the object to a temporary file first), read by
 * DuckDB one vector at a time. The line of a row is its 1-based position in the file. Values come
 * as JSON (timestamps as text, lists as arrays), so rows are checked like JSON input.
 */
export async function* parseParquet(path: string): AsyncGenerator<InputRecord[]> {
  // Not withDuckDB: the connection must stay open across the generator's yields.
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const result = await connection.stream(`SELECT * FROM read_parquet(${sqlString(path)})`).catch((error: Error) => {
      throw new BadInputError(`not a readable Parquet file: ${String(error.message).split("\n")[0]}`);
    });
    const names = result.columnNames();
    const columns = resolveColumns(names);
    let line = 0;
    for await (const rows of result.yieldRowsJson()) {
      yield rows.map((row) => {
        line++;
        const values: InputRecord["values"] = {};
        for (const [field, position] of columns) values[field] = row[position] ?? undefined;
        return { line, values, raw: JSON.stringify(Object.fromEntries(names.map((name, i) => [name, row[i]]))) };
      });
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
