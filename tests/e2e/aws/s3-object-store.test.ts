import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../../functions/aws/s3-object-store.ts";
import { ObjectNotFoundError } from "../../../functions/core/ports.ts";
import { startAwsEmulator } from "../../support/fauxqs.ts";

let emulator: Awaited<ReturnType<typeof startAwsEmulator>>;
let store: S3ObjectStore;
beforeAll(async () => {
  emulator = await startAwsEmulator();
  emulator.server.createBucket("lake");
  store = new S3ObjectStore(emulator.s3, "lake");
});
afterAll(() => emulator.stop());

const text = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
};

describe("S3ObjectStore against fauxqs", () => {
  it("puts strings and buffers and reads them whole or streamed", async () => {
    await store.put("a/one.txt", "one", { contentType: "text/plain" });
    await store.put("a/two.bin", Buffer.from([0, 1, 2]));
    expect((await store.get("a/one.txt"))!.toString()).toBe("one");
    expect(await text(await store.getStream("a/two.bin"))).toEqual(Buffer.from([0, 1, 2]));
    expect(await store.head("a/one.txt")).toMatchObject({ key: "a/one.txt", size: 3 });
  });

  it("uploads a stream larger than one part without holding it whole", async () => {
    const part = Buffer.alloc(1024 * 1024, "g");
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 12; i++) yield part;
      })(),
    );
    await store.put("big/stream.bin", body);
    expect(await store.head("big/stream.bin")).toMatchObject({ size: 12 * 1024 * 1024 });
    const back = await text(await store.getStream("big/stream.bin"));
    expect(back.length).toBe(12 * 1024 * 1024);
    expect(back.every((byte) => byte === 0x67)).toBe(true);
  });

  it("answers undefined or ObjectNotFoundError for a missing key, and deletes", async () => {
    expect(await store.get("missing")).toBeUndefined();
    expect(await store.head("missing")).toBeUndefined();
    await expect(store.getStream("missing")).rejects.toBeInstanceOf(ObjectNotFoundError);
    await store.put("gone.txt", "x");
    await store.delete("gone.txt");
    expect(await store.head("gone.txt")).toBeUndefined();
  });

  it("creates an object with a conditional create where there is none", async () => {
    // fauxqs ignores If-None-Match on PutObject: the answer to an existing key (412) is checked
    // against the SDK's mock in tests/unit/functions/aws/s3-object-store.test.ts.
    expect(await store.createIfAbsent("locks/seal/0000000001.json", '{"holder":"a"}')).toBe(true);
    expect((await store.get("locks/seal/0000000001.json"))!.toString()).toBe('{"holder":"a"}');
  });

  it("lists under a prefix in key order across pages", async () => {
    const keys = Array.from({ length: 1005 }, (_, i) => `list/${String(i).padStart(4, "0")}.txt`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, "x")));
    await store.put("listing-other.txt", "x");
    const listed: string[] = [];
    for await (const object of store.list("list/")) listed.push(object.key);
    expect(listed).toEqual(keys);
  });
});
