import { AthenaClient } from "@aws-sdk/client-athena";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SFNClient } from "@aws-sdk/client-sfn";
import { AthenaQueries } from "../../functions/aws/athena-queries.ts";
import { SageMakerProcessingJobs } from "./processing-jobs.ts";
import { runSettingsFromEnvironment } from "../../functions/aws/run-settings.ts";
import { S3ObjectStore } from "../../functions/aws/s3-object-store.ts";
import { StepFunctionsWorkflow } from "../../functions/aws/step-functions-workflow.ts";
import { BadInputError } from "../../functions/core/errors.ts";
import type { ObjectStore } from "../../functions/core/ports.ts";
import type { RunSettings } from "../../functions/core/orchestration/run-input.ts";
import { userFixable } from "./errors.ts";
import { UsageError, type OptionSpec, type ParsedArgs } from "../cli/command.ts";

/** The options of the commands that also work on a deployed stack (status, replay, query, ingest). */
export const AWS_OPTIONS: Record<string, OptionSpec> = {
  aws: {
    type: "boolean",
    description: "work on the deployed stack in AWS, not the local lake (credentials and region from the AWS environment)",
  },
  stage: { type: "string", value: "STAGE", description: "with --aws: the stack goldpipe-STAGE (default $GOLDPIPE_STAGE, else dev)" },
};

/** A deployed stack, from its CloudFormation outputs (serverless.yml, Outputs). */
export interface AwsTarget {
  stage: string;
  stackName: string;
  bucket: string;
  stateMachineArn: string;
  athenaWorkGroup: string;
  athenaDatabase: string;
  sealFunctionName: string;
}

const OUTPUTS = {
  bucket: "BucketName",
  stateMachineArn: "StateMachineArn",
  athenaWorkGroup: "AthenaWorkGroup",
  athenaDatabase: "AthenaDatabase",
  sealFunctionName: "SealFunctionName",
} as const;

const STAGE_NAME = /^[a-zA-Z0-9-]{1,16}$/;

/**
 * The stack `--aws [--stage S]` points at, or undefined without --aws (the command works on the
 * local lake). Reads the stack's outputs once; failures a user can fix (no credentials, no region,
 * no such stack) come back as BadInputError with what to do.
 */
export async function awsTargetOf(
  values: ParsedArgs["values"],
  { env = process.env, cloudFormation }: { env?: NodeJS.ProcessEnv; cloudFormation?: CloudFormationClient } = {},
): Promise<AwsTarget | undefined> {
  if (values.aws !== true) {
    if (values.stage !== undefined) throw new UsageError("--stage goes with --aws");
    return undefined;
  }
  const stage = String(values.stage ?? env.GOLDPIPE_STAGE ?? "dev");
  if (!STAGE_NAME.test(stage)) throw new UsageError(`--stage ${stage} is not a stage name (letters, digits and -, at most 16)`);
  const stackName = `goldpipe-${stage}`;
  const outputs = await stackOutputs(cloudFormation ?? new CloudFormationClient({}), stackName);
  const target = { stage, stackName } as AwsTarget;
  for (const [field, output] of Object.entries(OUTPUTS) as [keyof typeof OUTPUTS, string][]) {
    const value = outputs.get(output);
    if (!value) {
      throw new BadInputError(
        `the stack ${stackName} has no output ${output}`,
        `deploy this version of serverless.yml: npx osls deploy --stage ${stage}`,
      );
    }
    target[field] = value;
  }
  return target;
}

async function stackOutputs(client: CloudFormationClient, stackName: string): Promise<Map<string, string>> {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return new Map((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? "", o.OutputValue ?? ""]));
  } catch (error) {
    throw userFixable(error, stackName) ?? error;
  }
}

/** What the CLI's commands use of a deployed stack: its ports, Athena, SageMaker, and its run settings. */
export interface AwsStack {
  target: AwsTarget;
  store: ObjectStore;
  workflow: StepFunctionsWorkflow;
  athena: AthenaQueries;
  processingJobs: SageMakerProcessingJobs;
  /** The settings the stack's seal starts runs with (its function's environment), for a replay. */
  runSettings(): Promise<RunSettings>;
}

export function awsStack(target: AwsTarget, clients: Partial<AwsClients> = {}): AwsStack {
  const lambda = clients.lambda ?? new LambdaClient({});
  return {
    target,
    store: new S3ObjectStore(clients.s3 ?? new S3Client({}), target.bucket),
    workflow: new StepFunctionsWorkflow(clients.sfn ?? new SFNClient({}), target.stateMachineArn),
    athena: new AthenaQueries(clients.athena ?? new AthenaClient({}), {
      workgroup: target.athenaWorkGroup,
      database: target.athenaDatabase,
    }),
    processingJobs: new SageMakerProcessingJobs(clients.sagemaker ?? new SageMakerClient({})),
    async runSettings() {
      const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: target.sealFunctionName }));
      return runSettingsFromEnvironment(config.Environment?.Variables ?? {});
    },
  };
}

export interface AwsClients {
  s3: S3Client;
  sfn: SFNClient;
  athena: AthenaClient;
  sagemaker: SageMakerClient;
  lambda: LambdaClient;
}
