import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ObjectStore } from "../../../functions/aws/s3-object-store.ts";
import { fanoutFile } from "../../../functions/core/ingest/fanout.ts";
import type { Queue } from "../../../functions/core/ports.ts";
import { awaitFanout, dropFile } from "../../../local/aws/stack-ingest.ts";

/**
 * `goldpipe ingest --aws`'s two halves against S3's real protocol (fauxqs, in process): the file is
 * dropped under incoming/, the stack's fanout (here the same core, run as the Lambda would run it)
 * writes its record, and the CLI reads the answer from the lake.
 */

let server: FauxqsServer;
let store: S3ObjectStore;
let dir: string;
const sent: string[] = [];
const queue: Queue = {
  async sendBatch(messages) {
    sent.push(...messages.map((m) => m.body));
    return { failed: [] };
  },
};

const CSV = [
  "id,title,created_at,tickers,source",
  "a1,Gold climbs as the dollar slips,2024-03-01T14:30:00Z,GLD,Reuters",
  "a2,Miners rally on record bullion,2024-03-01T15:00:00Z,GDX,Bloomberg",
  "a3,,2024-03-01T15:05:00Z,IAU,Reuters",
].join("\n");

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
  server.createBucket("goldpipe-test-lake");
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${server.port}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  store = new S3ObjectStore(client, "goldpipe-test-lake");
  dir = mkdtempSync(path.join(os.tmpdir(), "goldpipe-aws-ingest-"));
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, content: string | Buffer) => {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
};
const noWait = { sleep: async () => {} };

describe("dropFile", () => {
  it("puts the file under a key of its own in incoming/, by its name, as it is, and knows its sha256", async () => {
    const file = write("march headlines.csv", CSV);

    const dropped = await dropFile(store, file);
    const again = await dropFile(store, file);

    expect(dropped.key).toMatch(/^incoming\/\d{8}T\d{6}Z-[0-9a-f]{8}\/march headlines\.csv$/);
    expect(again.key).not.toBe(dropped.key);
    expect(dropped.sha256).toBe(createHash("sha256").update(CSV).digest("hex"));
    expect((await store.get(dropped.key))?.toString("utf8")).toBe(CSV);
    expect(dropped.droppedAt).toBeInstanceOf(Date);
  });

  it("fails on a file that is not there, and drops nothing", async () => {
    await expect(dropFile(store, path.join(dir, "missing.csv"))).rejects.toThrow(/ENOENT/);
    for await (const object of store.list("incoming/")) expect(object.key).not.toMatch(/missing\.csv$/);
  });
});

describe("awaitFanout", () => {
  it("answers with the counts of the fanout's ingest record", async () => {
    const dropped = await dropFile(store, write("day1.csv", CSV));
    const fanout = await fanoutFile({ store, queue }, dropped.key);

    const answer = await awaitFanout(store, dropped, noWait);

    expect(answer).toEqual({
      path: dropped.path,
      file: dropped.key,
      sha256: dropped.sha256,
      error: null,
      rows_read: 3,
      rows_valid: 2,
      rows_quarantined: 1,
      quarantine_reasons: fanout!.quarantine_reasons,
      rows_realtime: 0,
      duplicate_of: null,
      bad_file: null,
    });
    expect(answer.rows_read).toBe(fanout!.rows_read);
  });

  it("waits while the fanout has not answered yet", async () => {
    const dropped = await dropFile(store, write("day2.csv", CSV.replace("a1,", "b1,")));
    let polls = 0;

    const answer = await awaitFanout(store, dropped, {
      sleep: async () => {
        polls++;
        if (polls === 3) await fanoutFile({ store, queue }, dropped.key);
      },
    });

    expect(polls).toBe(3);
    expect(answer.rows_valid).toBe(2);
  });

  it("recognizes content ingested before under another name: nothing is sent again", async () => {
    const first = await dropFile(store, write("original.csv", CSV.replace("a1,", "c1,")));
    await fanoutFile({ store, queue }, first.key);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // S3 stamps objects to the second
    const again = await dropFile(store, write("copy.csv", CSV.replace("a1,", "c1,")));

    await expect(awaitFanout(store, again, noWait)).resolves.toMatchObject({
      file: again.key,
      duplicate_of: first.key,
      rows_read: 0,
      bad_file: null,
    });
  });

  it("answers with the reason a file that cannot be read was moved to quarantine", async () => {
    const dropped = await dropFile(store, write("photo.csv", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 0xff, 0xd8])));
    await fanoutFile({ store, queue }, dropped.key);

    const answer = await awaitFanout(store, dropped, noWait);

    expect(answer.bad_file).toMatchObject({ file: dropped.key, reason: expect.any(String) });
    expect(answer.rows_read).toBe(0);
  });

  it("gives up after its timeout and says where to look", async () => {
    const dropped = await dropFile(store, write("stuck.csv", CSV.replace("a1,", "d1,")));
    let clock = 0;

    await expect(
      awaitFanout(store, dropped, {
        timeoutMs: 60_000,
        now: () => clock,
        sleep: async (ms) => {
          clock += ms;
        },
      }),
    ).rejects.toThrow(
      `the stack's fanout has not answered for ${dropped.key} in 1 min: look for its message in the uploads dead-letter queue`,
    );
  });
});
