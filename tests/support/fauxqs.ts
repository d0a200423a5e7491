import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { startFauxqs } from "fauxqs";

/** fauxqs serving S3 and SQS in this process, and real SDK v3 clients pointed at it. */
export async function startAwsEmulator() {
  const server = await startFauxqs({ port: 0, logger: false });
  const config = { endpoint: server.address, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };
  return {
    server,
    s3: new S3Client({ ...config, forcePathStyle: true }),
    sqs: new SQSClient(config),
    stop: () => server.stop(),
  };
}
