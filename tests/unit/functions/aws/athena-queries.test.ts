import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  type Row,
} from "@aws-sdk/client-athena";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AthenaQueries, athenaValue } from "../../../../functions/aws/athena-queries.ts";
import { BadInputError } from "../../../../functions/core/errors.ts";

const athena = mockClient(AthenaClient);
const waits: number[] = [];
const queries = new AthenaQueries(new AthenaClient({ region: "us-east-1" }), {
  workgroup: "goldpipe-dev",
  database: "goldpipe_dev",
  sleep: async (ms) => void waits.push(ms),
});

const row = (...values: (string | undefined)[]): Row => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });
const COLUMNS = [
  { Name: "symbol", Type: "varchar" },
  { Name: "headlines", Type: "bigint" },
  { Name: "sentiment_index", Type: "double" },
  { Name: "any_strong", Type: "boolean" },
];

beforeEach(() => {
  athena.reset();
  waits.length = 0;
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
});

describe("AthenaQueries.run", () => {
  it("starts the query in the workgroup and database, polls until it succeeds, and reads every page", async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: "QUEUED" } } })
      .resolvesOnce({ QueryExecution: { Status: { State: "RUNNING" } } })
      .resolves({ QueryExecution: { StatementType: "DML", Status: { State: "SUCCEEDED" } } });
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: "q-1", NextToken: undefined })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: COLUMNS },
          Rows: [row("symbol", "headlines", "sentiment_index", "any_strong"), row("GLD", "120", "0.25", "true")],
        },
        NextToken: "page-2",
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: "q-1", NextToken: "page-2" })
      .resolves({ ResultSet: { Rows: [row("IAU", "7", undefined, "false")] } });

    const result = await queries.run("SELECT symbol, count(*) AS headlines FROM headline_sentiment GROUP BY 1");

    expect(athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([
      {
        QueryString: "SELECT symbol, count(*) AS headlines FROM headline_sentiment GROUP BY 1",
        WorkGroup: "goldpipe-dev",
        QueryExecutionContext: { Database: "goldpipe_dev" },
      },
    ]);
    expect(athena.commandCalls(GetQueryExecutionCommand).map((c) => c.args[0].input)).toEqual(Array(3).fill({ QueryExecutionId: "q-1" }));
    expect(waits).toEqual([250, 500]);
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input)).toEqual([
      { QueryExecutionId: "q-1", MaxResults: 1000, NextToken: undefined },
      { QueryExecutionId: "q-1", MaxResults: 1000, NextToken: "page-2" },
    ]);
    expect(result).toEqual({
      columns: [
        { name: "symbol", type: "varchar" },
        { name: "headlines", type: "bigint" },
        { name: "sentiment_index", type: "double" },
        { name: "any_strong", type: "boolean" },
      ],
      rows: [
        { symbol: "GLD", headlines: 120, sentiment_index: 0.25, any_strong: true },
        { symbol: "IAU", headlines: 7, sentiment_index: null, any_strong: false },
      ],
    });
  });

  it("binds ? parameters as SQL literals, NULL for a missing one", async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { StatementType: "DML", Status: { State: "SUCCEEDED" } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [row()] } });

    await queries.run("SELECT * FROM headline_sentiment WHERE source = ? AND CAST(published_at AS DATE) = CAST(? AS DATE)", [
      "Reuters' wire",
      null,
    ]);

    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input.ExecutionParameters).toEqual(["'Reuters'' wire'", "NULL"]);
  });

  it("keeps the first row of a statement that is not a SELECT", async () => {
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { StatementType: "DDL", Status: { State: "SUCCEEDED" } } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: "partition", Type: "string" }] }, Rows: [row("year=2024/month=3/day=1")] },
    });

    await expect(queries.run("SHOW PARTITIONS headline_sentiment")).resolves.toEqual({
      columns: [{ name: "partition", type: "string" }],
      rows: [{ partition: "year=2024/month=3/day=1" }],
    });
  });

  it("answers a query Athena calls the user's mistake with a BadInputError carrying Athena's reason", async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: "FAILED",
          StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'sentiment' cannot be resolved",
          AthenaError: { ErrorCategory: 2, ErrorType: 1006 },
        },
      },
    });

    const failure = queries.run("SELECT sentiment FROM headline_sentiment");

    await expect(failure).rejects.toBeInstanceOf(BadInputError);
    await expect(failure).rejects.toThrow("Athena: COLUMN_NOT_FOUND: line 1:8: Column 'sentiment' cannot be resolved");
    expect(athena.commandCalls(GetQueryResultsCommand)).toEqual([]);
  });

  it("reports Athena's own failures and cancellations as errors, not as the user's", async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: "FAILED", StateChangeReason: "Internal error", AthenaError: { ErrorCategory: 1 } } },
    });
    const internal = queries.run("SELECT 1");
    await expect(internal).rejects.toThrow("Athena query q-1 failed: Internal error");
    await expect(internal).rejects.not.toBeInstanceOf(BadInputError);

    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: "CANCELLED" } } });
    await expect(queries.run("SELECT 1")).rejects.toThrow("Athena query q-1 was cancelled before it finished");
  });

  it("turns a request Athena refuses outright into a BadInputError", async () => {
    athena
      .on(StartQueryExecutionCommand)
      .rejects(new InvalidRequestException({ message: "WorkGroup goldpipe-dev is not found.", $metadata: {} }));

    await expect(queries.run("SELECT 1")).rejects.toThrow(
      new BadInputError("Athena refused the query: WorkGroup goldpipe-dev is not found."),
    );
  });

  it("waits at most the longest poll interval between polls", async () => {
    const states = ["QUEUED", "RUNNING", "RUNNING", "RUNNING", "RUNNING", "RUNNING"].map((State) => ({
      QueryExecution: { Status: { State } },
    }));
    const mock = athena.on(GetQueryExecutionCommand);
    for (const state of states) mock.resolvesOnce(state as never);
    mock.resolves({ QueryExecution: { StatementType: "DML", Status: { State: "SUCCEEDED" } } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [] } });

    await queries.run("SELECT 1");

    expect(waits).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });
});

describe("athenaValue", () => {
  it("reads numbers and booleans by the column's type and leaves the rest as text", () => {
    expect(athenaValue("42", "integer")).toBe(42);
    expect(athenaValue("9007199254740993", "bigint")).toBe("9007199254740993");
    expect(athenaValue("0.5", "decimal(10,4)")).toBe(0.5);
    expect(athenaValue("NaN", "double")).toBe("NaN");
    expect(athenaValue("false", "boolean")).toBe(false);
    expect(athenaValue("2024-03-01 14:30:00.000", "timestamp")).toBe("2024-03-01 14:30:00.000");
    expect(athenaValue("[GLD, IAU]", "array")).toEqual(["GLD", "IAU"]);
    expect(athenaValue("{negative=0.25, positive=0.75}", "map")).toEqual({ negative: 0.25, positive: 0.75 });
    expect(athenaValue(undefined, "varchar")).toBeNull();
  });
});
