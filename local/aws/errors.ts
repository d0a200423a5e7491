import { BadInputError } from "../../functions/core/errors.ts";

const UNREACHABLE = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH"]);
const REFUSED_CREDENTIALS = new Set(["InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "InvalidAccessKeyId"]);
const DENIED = new Set(["AccessDenied", "AccessDeniedException"]);

/**
 * The AWS errors a user fixes in their own environment (credentials, region, network, permissions,
 * a stage that is not deployed), as a BadInputError saying how; undefined for any other error.
 * Kept apart from the AWS clients so the CLI can map errors without loading the SDK.
 */
export function userFixable(error: unknown, stackName?: string): BadInputError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { name, message } = error;
  const code = (error as NodeJS.ErrnoException).code;
  if (name === "CredentialsProviderError") {
    return new BadInputError("no AWS credentials found", "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  if (/region is missing/i.test(message)) {
    return new BadInputError("no AWS region is set", "set AWS_REGION (or a region in your AWS profile) to the stack's region");
  }
  if (name === "ExpiredTokenException" || name === "ExpiredToken") {
    return new BadInputError("the AWS credentials have expired", "log in again (aws sso login, or fresh keys)");
  }
  if (REFUSED_CREDENTIALS.has(name)) {
    return new BadInputError(`AWS refused the credentials: ${message}`, "check AWS_PROFILE or the access keys");
  }
  if (DENIED.has(name)) {
    return new BadInputError(`AWS denied the request: ${message}`, "the credentials need the permissions README lists under Deploy to AWS");
  }
  if ((code && UNREACHABLE.has(code)) || name === "TimeoutError") {
    return new BadInputError(`cannot reach AWS (${message})`, "check the network connection or proxy");
  }
  if (stackName && name === "ValidationError" && /does not exist/.test(message)) {
    return new BadInputError(
      `there is no stack ${stackName} in this account and region`,
      "deploy it (README, Deploy to AWS), or pick the stage with --stage and the region with AWS_REGION",
    );
  }
  return undefined;
}
