import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";

/**
 * Runs fn with a fresh in-memory DuckDB connection and closes it after. DuckDB is the pipeline's
 * Parquet and SQL engine (seal, merge, local Athena); it reads and writes local files only, so
 * objects travel through the ObjectStore port and a temporary directory, never through an extension.
 */
export async function withDuckDB<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    // Timestamps in the lake are UTC; without this, DuckDB's ICU reads dates in the machine's zone.
    await connection.run("SET TimeZone = 'UTC'");
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
