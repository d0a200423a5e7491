import { PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../../../functions/aws/s3-object-store.ts";

// fauxqs (the S3 emulator of the e2e suites) ignores If-None-Match on PutObject, so the conditional
// create's requests and S3's answers to them are checked here against the SDK's mock.
const s3 = mockClient(S3Client);
const store = new S3ObjectStore(new S3Client({ region: "us-east-1" }), "lake");

const answer = (status: number, name: string) =>
  new S3ServiceException({ name, $fault: "client", $metadata: { httpStatusCode: status }, message: name });

beforeEach(() => s3.reset());

describe("S3ObjectStore.createIfAbsent", () => {
  it("puts with If-None-Match: * and answers true when S3 created the object", async () => {
    s3.on(PutObjectCommand).resolves({});
    expect(await store.createIfAbsent("locks/seal/0000000001.json", "{}", { contentType: "application/json" })).toBe(true);
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: "lake",
      Key: "locks/seal/0000000001.json",
      Body: "{}",
      ContentType: "application/json",
      IfNoneMatch: "*",
    });
  });

  it("answers false on 412 Precondition Failed: the key exists", async () => {
    s3.on(PutObjectCommand).rejects(answer(412, "PreconditionFailed"));
    expect(await store.createIfAbsent("locks/seal/0000000001.json", "{}")).toBe(false);
  });

  it("tries again on 409 ConditionalRequestConflict, until the write in flight has won", async () => {
    s3.on(PutObjectCommand).rejectsOnce(answer(409, "ConditionalRequestConflict")).rejects(answer(412, "PreconditionFailed"));
    expect(await store.createIfAbsent("locks/seal/0000000001.json", "{}")).toBe(false);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
  });

  it("passes any other failure on", async () => {
    s3.on(PutObjectCommand).rejects(answer(403, "AccessDenied"));
    await expect(store.createIfAbsent("locks/seal/0000000001.json", "{}")).rejects.toThrow("AccessDenied");
  });
});
