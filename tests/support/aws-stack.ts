import {
  type CloudFormationClientResolvedConfig,
  DescribeStacksCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from "@aws-sdk/client-cloudformation";
import type { AwsStub } from "aws-sdk-client-mock";

/** The stack goldpipe-test as CloudFormation describes it: the outputs `goldpipe … --aws --stage test` reads. */
export function describeTestStack(
  cloudFormation: AwsStub<ServiceInputTypes, ServiceOutputTypes, CloudFormationClientResolvedConfig>,
): void {
  const outputs = {
    BucketName: "lake-bucket",
    StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:goldpipe-test",
    AthenaWorkGroup: "goldpipe-test",
    AthenaDatabase: "goldpipe_test",
    SealFunctionName: "goldpipe-test-seal",
  };
  cloudFormation.on(DescribeStacksCommand, { StackName: "goldpipe-test" }).resolves({
    Stacks: [
      {
        StackName: "goldpipe-test",
        CreationTime: new Date(),
        StackStatus: "CREATE_COMPLETE",
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
}
