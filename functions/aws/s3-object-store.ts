import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { Readable } from "node:stream";
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore } from "../core/ports.ts";

/** How often a conditional create that meets another in flight (409 ConditionalRequestConflict) is tried. */
const CONDITIONAL_CONFLICT_ATTEMPTS = 5;

const httpStatus = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** The lake in an S3 bucket. A stream given to put is uploaded in parts as it is read (lib-storage), never held whole. */
export class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(client: S3Client, bucket: string) {
    this.#client = client;
    this.#bucket = bucket;
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const response = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return Buffer.from(await response.Body!.transformToByteArray());
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async getStream(key: string): Promise<Readable> {
    try {
      const response = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return response.Body as Readable;
    } catch (error) {
      if (error instanceof NoSuchKey) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async put(key: string, body: Buffer | string | Readable, options: { contentType?: string } = {}): Promise<void> {
    const params = { Bucket: this.#bucket, Key: key, Body: body, ContentType: options.contentType };
    if (body instanceof Readable) await new Upload({ client: this.#client, params }).done();
    else await this.#client.send(new PutObjectCommand(params));
  }

  /**
   * PutObject with `If-None-Match: *`: S3 answers 412 when the key exists, and 409 when another
   * conditional write of the key is in flight, which is retried until one of them has won.
   */
  async createIfAbsent(key: string, body: Buffer | string, options: { contentType?: string } = {}): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#client.send(
          new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: body, ContentType: options.contentType, IfNoneMatch: "*" }),
        );
        return true;
      } catch (error) {
        const status = httpStatus(error);
        if (status === 412) return false;
        if (status !== 409 || attempt === CONDITIONAL_CONFLICT_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const response = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return { key, size: response.ContentLength ?? 0, lastModified: response.LastModified ?? new Date(0) };
    } catch (error) {
      if (error instanceof NotFound || httpStatus(error) === 404) {
        return undefined;
      }
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const page of paginateListObjectsV2({ client: this.#client }, { Bucket: this.#bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        yield { key: object.Key!, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
      }
    }
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
  }
}
