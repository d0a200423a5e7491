import { describe, expect, it } from "vitest";
import { BadInputError } from "../../../../functions/core/errors.ts";
import { userFixable } from "../../../../local/aws/errors.ts";

const named = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });

describe("userFixable", () => {
  it.each([
    [named("CredentialsProviderError", "Could not load credentials from any providers"), "no AWS credentials found"],
    [new Error("Region is missing"), "no AWS region is set"],
    [named("ExpiredTokenException", "The security token included in the request is expired"), "the AWS credentials have expired"],
    [
      named("InvalidClientTokenId", "The security token included in the request is invalid."),
      "AWS refused the credentials: The security token included in the request is invalid.",
    ],
    [
      named("AccessDenied", "User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:DescribeStacks"),
      "AWS denied the request: User: arn:aws:iam::1:user/x is not authorized to perform: cloudformation:DescribeStacks",
    ],
    [
      named("Error", "getaddrinfo ENOTFOUND cloudformation.us-east-1.amazonaws.com", { code: "ENOTFOUND" }),
      "cannot reach AWS (getaddrinfo ENOTFOUND cloudformation.us-east-1.amazonaws.com)",
    ],
  ])("says what to fix for %s", (error, message) => {
    const fixable = userFixable(error);
    expect(fixable).toBeInstanceOf(BadInputError);
    expect(fixable?.message).toBe(message);
    expect(fixable?.hint).toEqual(expect.any(String));
  });

  it("names a stage with no stack only when it knows the stack", () => {
    const missing = named("ValidationError", "Stack with id goldpipe-prod does not exist");
    expect(userFixable(missing, "goldpipe-prod")?.message).toBe("there is no stack goldpipe-prod in this account and region");
    expect(userFixable(missing)).toBeUndefined();
  });

  it("leaves every other error alone", () => {
    expect(userFixable(named("InternalFailure", "We encountered an internal error"))).toBeUndefined();
    expect(userFixable(new TypeError("x is not a function"))).toBeUndefined();
    expect(userFixable("a string")).toBeUndefined();
  });
});
