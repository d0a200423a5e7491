import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from "@aws-sdk/client-athena";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach } from "vitest";
import { describeTestStack } from "./aws-stack.ts";

/**
 * For the describe block it is called in: the stack goldpipe-test in us-east-1, and its Athena, where every query starts
 * as q-1 and succeeds. Returns the Athena mock, for the block to give the results (GetQueryResultsCommand).
 */
export function athenaOnTestStack() {
  const athena = mockClient(AthenaClient);
  const cloudFormation = mockClient(CloudFormationClient);
  const region = process.env.AWS_REGION;
  beforeEach(() => {
    process.env.AWS_REGION = "us-east-1";
    cloudFormation.reset();
    athena.reset();
    describeTestStack(cloudFormation);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { StatementType: "DML", Status: { State: "SUCCEEDED" } } });
  });
  afterAll(() => {
    if (region === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = region;
  });
  return athena;
}
