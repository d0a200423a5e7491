import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { BadInputError } from "../../../../functions/core/errors.ts";
import { awsStack, awsTargetOf, type AwsTarget } from "../../../../local/aws/target.ts";
import { UsageError } from "../../../../local/cli/command.ts";

const PROD_IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/goldpipe-prod-gpu-job@sha256:${"cd".repeat(32)}`;

const cloudFormation = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const client = new CloudFormationClient({ region: "us-east-1" });

const OUTPUTS = {
  BucketName: "goldpipe-prod-lake-123456789012-us-east-1",
  StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:goldpipe-prod-pipeline",
  AthenaWorkGroup: "goldpipe-prod",
  AthenaDatabase: "goldpipe",
  SealFunctionName: "goldpipe-prod-seal",
  UploadsQueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/goldpipe-prod-uploads",
};
const TARGET: AwsTarget = {
  stage: "prod",
  stackName: "goldpipe-prod",
  bucket: OUTPUTS.BucketName,
  stateMachineArn: OUTPUTS.StateMachineArn,
  athenaWorkGroup: "goldpipe-prod",
  athenaDatabase: "goldpipe",
  sealFunctionName: "goldpipe-prod-seal",
};
const stackWith = (outputs: Record<string, string>) => ({
  Stacks: [
    {
      StackName: "goldpipe-prod",
      CreationTime: new Date(),
      StackStatus: "UPDATE_COMPLETE" as const,
      Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    },
  ],
});

beforeEach(() => {
  cloudFormation.reset();
  lambda.reset();
});

describe("awsTargetOf", () => {
  it("is undefined without --aws: the command works on the local lake", async () => {
    await expect(awsTargetOf({}, { cloudFormation: client })).resolves.toBeUndefined();
    expect(cloudFormation.calls()).toEqual([]);
  });

  it("reads the stage's stack outputs", async () => {
    cloudFormation.on(DescribeStacksCommand).resolves(stackWith(OUTPUTS));

    await expect(awsTargetOf({ aws: true, stage: "prod" }, { cloudFormation: client })).resolves.toEqual(TARGET);
    expect(cloudFormation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input)).toEqual([{ StackName: "goldpipe-prod" }]);
  });

  it("takes the stage from GOLDPIPE_STAGE, else dev", async () => {
    cloudFormation.on(DescribeStacksCommand).resolves(stackWith(OUTPUTS));

    await awsTargetOf({ aws: true }, { env: { GOLDPIPE_STAGE: "research" }, cloudFormation: client });
    await awsTargetOf({ aws: true }, { env: {}, cloudFormation: client });

    expect(cloudFormation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName)).toEqual([
      "goldpipe-research",
      "goldpipe-dev",
    ]);
  });

  it("refuses --stage without --aws, and a stage that cannot be a stack name", async () => {
    await expect(awsTargetOf({ stage: "prod" }, { cloudFormation: client })).rejects.toThrow(new UsageError("--stage goes with --aws"));
    await expect(awsTargetOf({ aws: true, stage: "prod;rm" }, { cloudFormation: client })).rejects.toBeInstanceOf(UsageError);
  });

  it("says which output is missing from an older stack, and how to fix it", async () => {
    const { SealFunctionName: _missing, ...older } = OUTPUTS;
    cloudFormation.on(DescribeStacksCommand).resolves(stackWith(older));

    await expect(awsTargetOf({ aws: true, stage: "prod" }, { cloudFormation: client })).rejects.toMatchObject({
      name: "BadInputError",
      message: "the stack goldpipe-prod has no output SealFunctionName",
      hint: "deploy this version of serverless.yml: npx osls deploy --stage prod",
    });
  });

  it("answers a stage with no stack as the user's to fix", async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error("Stack with id goldpipe-prod does not exist"), { name: "ValidationError" }));

    const failure = awsTargetOf({ aws: true, stage: "prod" }, { cloudFormation: client });
    await expect(failure).rejects.toBeInstanceOf(BadInputError);
    await expect(failure).rejects.toThrow("there is no stack goldpipe-prod in this account and region");
  });
});

describe("awsStack.runSettings", () => {
  it("reads the settings runs start with from the deployed seal function's environment", async () => {
    lambda.on(GetFunctionConfigurationCommand, { FunctionName: "goldpipe-prod-seal" }).resolves({
      Environment: {
        Variables: {
          BUCKET: OUTPUTS.BucketName,
          STAGE: "prod",
          MAX_CONCURRENCY: "8",
          JOB_IMAGE_URI: PROD_IMAGE,
          JOB_ROLE_ARN: "arn:aws:iam::123456789012:role/goldpipe-prod-GpuJobRole",
          JOB_INSTANCE_TYPE: "ml.g5.xlarge",
          JOB_VOLUME_GB: "30",
          JOB_MAX_RUNTIME_SECONDS: "7200",
          JOB_MODEL_S3_URI: `s3://${OUTPUTS.BucketName}/models/current/`,
          JOB_CHUNK_ROWS: "4096",
          ATHENA_DATABASE: "goldpipe",
          ATHENA_WORKGROUP: "goldpipe-prod",
          ATHENA_OUTPUT_LOCATION: `s3://${OUTPUTS.BucketName}/athena-results/`,
        },
      },
    });

    const settings = await awsStack(TARGET, { lambda: new LambdaClient({ region: "us-east-1" }) }).runSettings();

    expect(settings).toEqual({
      bucket: OUTPUTS.BucketName,
      max_concurrency: 8,
      job: {
        image_uri: PROD_IMAGE,
        role_arn: "arn:aws:iam::123456789012:role/goldpipe-prod-GpuJobRole",
        instance_type: "ml.g5.xlarge",
        volume_gb: 30,
        max_runtime_seconds: 7200,
        model_s3_uri: `s3://${OUTPUTS.BucketName}/models/current/`,
        chunk_rows: 4096,
        capacity: "on-demand",
      },
      athena: { database: "goldpipe", workgroup: "goldpipe-prod", output_location: `s3://${OUTPUTS.BucketName}/athena-results/` },
    });
    expect(lambda.commandCalls(GetFunctionConfigurationCommand).map((c) => c.args[0].input)).toEqual([
      { FunctionName: "goldpipe-prod-seal" },
    ]);
  });
});
