import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BadInputError } from "../../../../../functions/core/errors.ts";
import { decodeUtf8, INVALID_UTF8_MARK, inspectObject, openContent } from "../../../../../functions/core/ingest/file-reading.ts";

const pieces = (bytes: Buffer, size: number) => {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
};
const decodeAll = async (bytes: Buffer, size: number) => {
  let text = "";
  for await (const chunk of decodeUtf8(Readable.from(pieces(bytes, size)))) text += chunk;
  return text;
};

describe("inspectObject", () => {
  it("hashes the bytes as stored and sniffs the decompressed head", async () => {
    const content = Buffer.from("headline,date\n".repeat(10_000));
    const gz = gzipSync(content);
    const inspection = await inspectObject(Readable.from(pieces(gz, 1000)));
    expect(inspection).toMatchObject({ gzip: true, contentBytes: content.length });
    expect(inspection.sha256).toBe(createHash("sha256").update(gz).digest("hex"));
    expect(inspection.head.toString()).toBe(content.subarray(0, 64 * 1024).toString());
    const plain = await inspectObject(Readable.from([content]));
    expect(plain).toMatchObject({ gzip: false, contentBytes: content.length });
  });

  it("finds a truncated gzip before any row is read", async () => {
    const gz = gzipSync(Buffer.from("headline,date\nGold,2024-01-01\n".repeat(1000)));
    await expect(inspectObject(Readable.from([gz.subarray(0, gz.length - 20)]))).rejects.toThrow(BadInputError);
    await expect(inspectObject(Readable.from([gz.subarray(0, gz.length - 20)]))).rejects.toThrow(/truncated or corrupt/);
  });

  it("gunzips the content for parsing", async () => {
    const gz = gzipSync(Buffer.from("hello"));
    const chunks: Buffer[] = [];
    for await (const chunk of openContent(Readable.from([gz]), true)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe("hello");
  });
});

describe("decodeUtf8", () => {
  const text = "\uFEFFGold €1,9 — 金 🥇 \uFFFD";
  it.each([1, 2, 3, 5, 100])("keeps characters split across chunks of %i bytes, drops the BOM, keeps a real U+FFFD", async (size) => {
    expect(await decodeAll(Buffer.from(text), size)).toBe(text.slice(1));
  });

  it("marks bytes that are not UTF-8", async () => {
    const bytes = Buffer.concat([Buffer.from("ok "), Buffer.from([0xff, 0xfe]), Buffer.from(" end")]);
    expect(await decodeAll(bytes, 2)).toBe(`ok ${INVALID_UTF8_MARK}${INVALID_UTF8_MARK} end`);
  });
});
