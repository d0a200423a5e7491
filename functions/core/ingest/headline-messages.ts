import { z } from "zod";
import { HeadlineSchema, type Headline } from "../headline.ts";
import type { Queue, QueueMessage } from "../ports.ts";

/**
 * The body of one headlines-queue message: a run of headlines from one file. `seq` numbers the
 * file's messages, so `key` (sha256 + seq) names the same message however often it is sent.
 */
export const HeadlineMessageSchema = z.object({
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  seq: z.number().int().nonnegative(),
  headlines: z.array(HeadlineSchema).min(1),
});
export type HeadlineMessage = z.infer<typeof HeadlineMessageSchema>;

export const messageKey = (message: Pick<HeadlineMessage, "sha256" | "seq">) => `${message.sha256}-${message.seq}`;

/** SQS limits: a message under 256 KiB, a SendMessageBatch of ≤ 10 entries and ≤ 1 MiB in all. */
export const SQS_LIMITS = { messageBytes: 256 * 1024 - 1, batchBytes: 1024 * 1024, batchEntries: 10 } as const;

export interface SenderOptions {
  file: string;
  sha256: string;
  limits?: { messageBytes: number; batchBytes: number; batchEntries: number };
  /** Tries per message before the fanout fails (SQS redelivers the upload event, and the file is read again). */
  maxAttempts?: number;
  /** SendMessageBatch calls in flight at once. */
  concurrency?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Packs headlines into messages as large as the limits allow and sends them in batches, retrying
 * the entries a batch call reports as failed with backoff.
 */
export class HeadlineSender {
  messagesSent = 0;
  readonly #queue: Queue;
  readonly #limits: NonNullable<SenderOptions["limits"]>;
  readonly #maxAttempts: number;
  readonly #concurrency: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #prefix: (seq: number) => string;
  #seq = 0;
  /** The bytes of the current message around its headlines. */
  #envelopeBytes: number;
  #items: string[] = [];
  #itemBytes = 0;
  #batch: QueueMessage[] = [];
  #batchBytes = 0;
  readonly #inFlight = new Set<Promise<void>>();
  #failure: unknown;

  constructor(queue: Queue, options: SenderOptions) {
    this.#queue = queue;
    this.#limits = options.limits ?? SQS_LIMITS;
    this.#maxAttempts = options.maxAttempts ?? 6;
    this.#concurrency = options.concurrency ?? 4;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const head = `{"file":${JSON.stringify(options.file)},"sha256":"${options.sha256}","seq":`;
    this.#prefix = (seq) => `${head}${seq},"headlines":[`;
    this.#envelopeBytes = Buffer.byteLength(this.#prefix(0)) + 2;
  }

  /** Adds a headline; a promise comes back only when a batch had to be sent first (await it: that is the backpressure). */
  add(headline: Headline): Promise<void> | undefined {
    const json = JSON.stringify(headline);
    const bytes = Buffer.byteLength(json);
    if (this.#envelopeBytes + bytes > this.#limits.messageBytes) {
      throw new Error(`headline ${headline.id} is ${bytes} bytes as JSON, more than one queue message holds`);
    }
    if (this.#items.length && this.#envelopeBytes + this.#itemBytes + 1 + bytes > this.#limits.messageBytes) {
      return this.#sealMessage().then(() => this.#push(json, bytes));
    }
    this.#push(json, bytes);
    return undefined;
  }

  #push(json: string, bytes: number) {
    this.#itemBytes += (this.#items.length ? 1 : 0) + bytes;
    this.#items.push(json);
  }

  /** Sends what is left and waits for every batch. */
  async flush(): Promise<void> {
    if (this.#items.length) await this.#sealMessage();
    if (this.#batch.length) await this.#sendBatch();
    await Promise.all(this.#inFlight);
    if (this.#failure) throw this.#failure;
  }

  async #sealMessage() {
    const body = `${this.#prefix(this.#seq)}${this.#items.join(",")}]}`;
    const bytes = Buffer.byteLength(body);
    if (this.#batch.length && (this.#batch.length === this.#limits.batchEntries || this.#batchBytes + bytes > this.#limits.batchBytes)) {
      await this.#sendBatch();
    }
    this.#batch.push({ id: `m${this.#seq}`, body });
    this.#batchBytes += bytes;
    this.#seq++;
    this.#envelopeBytes = Buffer.byteLength(this.#prefix(this.#seq)) + 2;
    this.#items = [];
    this.#itemBytes = 0;
  }

  async #sendBatch() {
    const batch = this.#batch;
    this.#batch = [];
    this.#batchBytes = 0;
    while (this.#inFlight.size >= this.#concurrency) await Promise.race(this.#inFlight);
    if (this.#failure) throw this.#failure;
    const sending: Promise<void> = this.#deliver(batch)
      .catch((error: unknown) => {
        this.#failure ??= error;
      })
      .finally(() => this.#inFlight.delete(sending));
    this.#inFlight.add(sending);
  }

  async #deliver(batch: QueueMessage[]) {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      const { failed } = await this.#queue.sendBatch(pending);
      if (failed.length === 0) break;
      if (attempt >= this.#maxAttempts) {
        throw new Error(`the headlines queue refused ${failed.length} message(s) ${attempt} times: ${failed[0]!.reason}`);
      }
      const failedIds = new Set(failed.map(({ id }) => id));
      pending = pending.filter(({ id }) => failedIds.has(id));
      await this.#sleep(Math.min(5000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
    }
    this.messagesSent += batch.length;
  }
}
