import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { createGunzip, type Gunzip } from "node:zlib";
import { BadInputError } from "../errors.ts";
import { isGzip, SNIFF_BYTES } from "./sniff.ts";

/** The first read of a dropped file: its content hash (for same-content dedupe), whether it is gzip, and its first bytes. */
export interface Inspection {
  sha256: string;
  gzip: boolean;
  /** The first SNIFF_BYTES of the content, decompressed. */
  head: Buffer;
  /** The size of the content, decompressed. */
  contentBytes: number;
}

/**
 * Reads the whole object once: hashes it and, for gzip, decompresses it all, so a truncated or
 * corrupt gzip is a bad file before a single row is sent rather than halfway through.
 */
export async function inspectObject(stream: AsyncIterable<Buffer>): Promise<Inspection> {
  const hash = createHash("sha256");
  const head: Buffer[] = [];
  let headBytes = 0;
  let contentBytes = 0;
  const take = (chunk: Buffer) => {
    contentBytes += chunk.length;
    if (headBytes < SNIFF_BYTES) {
      head.push(chunk.subarray(0, SNIFF_BYTES - headBytes));
      headBytes += Math.min(chunk.length, SNIFF_BYTES - headBytes);
    }
  };
  let gunzip: Gunzip | undefined;
  let first = true;
  try {
    for await (const chunk of stream) {
      hash.update(chunk);
      if (first && isGzip(chunk)) {
        gunzip = createGunzip();
        gunzip.on("data", take).on("error", () => {});
      }
      first = false;
      if (gunzip) await writeThrough(gunzip, chunk);
      else take(chunk);
    }
    if (gunzip) {
      gunzip.end();
      await finished(gunzip);
    }
  } catch (error) {
    if (!gunzip) throw error;
    gunzip.destroy();
    throw new BadInputError(
      `the gzip data is truncated or corrupt (${(error as Error).message})`,
      "compress the file again and re-drop it",
    );
  }
  return { sha256: hash.digest("hex"), gzip: gunzip !== undefined, head: Buffer.concat(head), contentBytes };
}

const writeThrough = (gunzip: Gunzip, chunk: Buffer) =>
  new Promise<void>((resolve, reject) => gunzip.write(chunk, (error) => (error ? reject(error) : resolve())));

/** The object's content: decompressed when it is gzip. */
export function openContent(stream: Readable, gzip: boolean): Readable {
  if (!gzip) return stream;
  const gunzip = createGunzip();
  stream.on("error", (error) => gunzip.destroy(error));
  return stream.pipe(gunzip);
}

/** Stands in the decoded text for bytes that are not UTF-8 (a noncharacter, so never in real text); their row is quarantined. */
export const INVALID_UTF8_MARK = "\uFDD0";

/**
 * UTF-8 text in chunks, a byte-order mark dropped. Bytes that are not UTF-8 become INVALID_UTF8_MARK
 * rather than U+FFFD, so a file that really contains U+FFFD (exports often do) is not mistaken for a bad one.
 */
export async function* decodeUtf8(stream: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let carry: Buffer | undefined;
  let first = true;
  const decode = (bytes: Buffer) => {
    let text = decoder.decode(bytes);
    if (!isUtf8(bytes)) {
      // A chunk holding both bad bytes and a real U+FFFD is too rare to tell apart: every U+FFFD counts as bad there.
      text = text.replaceAll("\uFFFD", INVALID_UTF8_MARK);
    }
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    return text;
  };
  for await (const piece of stream) {
    let chunk = carry ? Buffer.concat([carry, piece]) : piece;
    carry = undefined;
    const complete = completeLength(chunk);
    if (complete < chunk.length) {
      carry = chunk.subarray(complete);
      chunk = chunk.subarray(0, complete);
    }
    if (chunk.length) yield decode(chunk);
  }
  if (carry) yield decode(carry);
}

/** The length of bytes without a multi-byte sequence cut off at its end. */
function completeLength(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}
