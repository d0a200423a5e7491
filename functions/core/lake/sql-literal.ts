/** A SQL string literal, for DuckDB and Athena alike. */
export const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;
