import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { main } from "../../../../../local/cli/main.ts";
import { describeTestStack } from "../../../../support/aws-stack.ts";
import { goldpipe } from "../../../../support/cli.ts";

const FIXTURES = fileURLToPath(new URL("../../../../fixtures/ingest/", import.meta.url));

let work: string;
let lake: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "goldpipe-ingest-test-"));
  lake = path.join(work, "lake");
});
afterEach(() => rm(work, { recursive: true, force: true }));

describe("goldpipe ingest", () => {
  it("--json prints the files' counts and the segments written", async () => {
    const tsv = path.join(FIXTURES, "dump.tsv");
    const { code, stdout, stderr } = await goldpipe("ingest", tsv, path.join(FIXTURES, "headlines.json"), "--lake", lake, "--json");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      files: [
        {
          file: tsv,
          rows_read: 4,
          rows_valid: 2,
          rows_quarantined: 2,
          quarantine_reasons: { "impossible date": 2 },
          rows_realtime: 0,
          duplicate_of: null,
        },
        {
          file: path.join(FIXTURES, "headlines.json"),
          rows_read: 3,
          rows_valid: 2,
          rows_quarantined: 1,
          quarantine_reasons: { "missing published time": 1 },
          rows_realtime: 0,
          duplicate_of: null,
        },
      ],
      segments: 2,
    });
    expect(await readdir(path.join(lake, "pending"))).toHaveLength(2);
  });

  it("says so when the same content is dropped again", async () => {
    const tsv = path.join(FIXTURES, "dump.tsv");
    await goldpipe("ingest", tsv, "--lake", lake);
    const [first] = await readdir(path.join(lake, "incoming"));
    const { code, stdout } = await goldpipe("ingest", tsv, "--lake", lake, "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout).files[0]).toMatchObject({ rows_read: 0, duplicate_of: `incoming/${first}/dump.tsv` });
    const human = await goldpipe("ingest", tsv, "--lake", lake);
    expect(human.stdout).toContain(`same content as incoming/${first}/dump.tsv, ingested before; nothing sent again`);
  });

  it("exits 2 with a one-line reason per unreadable file and still ingests the others", async () => {
    const binary = path.join(work, "photo.csv");
    await writeFile(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01]));
    const missing = path.join(work, "missing.csv");
    const { code, stdout, stderr } = await goldpipe("ingest", binary, path.join(FIXTURES, "dump.tsv"), missing, "--lake", lake);
    expect(code).toBe(2);
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^goldpipe ingest: .*photo\.csv: not a text file: it is a PNG image .*moved to quarantine\/\d{8}T\d{6}Z-[0-9a-f]{8}\/photo\.csv\/$/,
    );
    expect(lines[1]).toBe(`goldpipe ingest: ${missing} does not exist`);
    expect(stdout).toContain("dump.tsv: 4 rows read, 2 valid, 2 quarantined (impossible date: 2)");
    expect(stdout).toContain("1 pending segment(s) written");
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("--json keeps the shape for a bad file and adds its reason", async () => {
    const empty = path.join(work, "empty.csv");
    await writeFile(empty, "");
    const { code, stdout } = await goldpipe("ingest", empty, "--lake", lake, "--json");
    expect(code).toBe(2);
    expect(JSON.parse(stdout).files[0]).toEqual({
      file: empty,
      rows_read: 0,
      rows_valid: 0,
      rows_quarantined: 0,
      quarantine_reasons: {},
      rows_realtime: 0,
      duplicate_of: null,
      error: "the file is empty",
    });
  });

  it("asks for files", async () => {
    const { code, stderr } = await goldpipe("ingest", "--lake", lake);
    expect(code).toBe(2);
    expect(stderr).toMatch(/give one or more files/);
  });
});

describe("goldpipe ingest --aws", () => {
  const cloudFormation = mockClient(CloudFormationClient);
  const s3 = mockClient(S3Client);
  const region = process.env.AWS_REGION;
  const ingestedAt = new Date().toISOString();
  beforeEach(() => {
    process.env.AWS_REGION = "us-east-1";
    cloudFormation.reset();
    s3.reset();
    describeTestStack(cloudFormation);
    s3.on(PutObjectCommand).resolves({});
    s3.on(HeadObjectCommand).resolves({ ContentLength: 322, LastModified: new Date("2024-01-01T00:00:00Z") });
    s3.on(GetObjectCommand).callsFake(({ Key }: { Key: string }) => {
      const sha256 = Key.slice("ingest/".length, -".json".length);
      const record = {
        file: "incoming/dump.tsv",
        sha256,
        rows_read: 4,
        rows_valid: 2,
        rows_quarantined: 2,
        quarantine_reasons: { "impossible date": 2 },
        duplicate_of: null,
        ingested_at: ingestedAt,
      };
      return { Body: { transformToByteArray: async () => Buffer.from(JSON.stringify(record)) } };
    });
  });
  afterAll(() => {
    if (region === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = region;
  });

  it("drops each file under the stack's incoming/ and prints its fanout's answer", async () => {
    const tsv = path.join(FIXTURES, "dump.tsv");
    const missing = path.join(work, "missing.csv");
    const { code, stdout, stderr } = await goldpipe("ingest", tsv, missing, "--aws", "--stage", "test", "--json");
    expect(code).toBe(2);
    expect(stderr).toBe(`goldpipe ingest: ${missing} does not exist\n`);
    expect(JSON.parse(stdout)).toEqual({
      files: [
        {
          file: tsv,
          rows_read: 4,
          rows_valid: 2,
          rows_quarantined: 2,
          quarantine_reasons: { "impossible date": 2 },
          rows_realtime: 0,
          duplicate_of: null,
        },
        {
          file: missing,
          rows_read: 0,
          rows_valid: 0,
          rows_quarantined: 0,
          quarantine_reasons: {},
          rows_realtime: 0,
          duplicate_of: null,
          error: `${missing} does not exist`,
        },
      ],
      segments: null,
    });
    const [put] = s3.commandCalls(PutObjectCommand);
    expect(put!.args[0].input).toMatchObject({
      Bucket: "lake-bucket",
      Key: expect.stringMatching(/^incoming\/\d{8}T\d{6}Z-[0-9a-f]{8}\/dump\.tsv$/),
    });
    const sha256 = createHash("sha256")
      .update(await readFile(tsv))
      .digest("hex");
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toMatchObject({ Bucket: "lake-bucket", Key: `ingest/${sha256}.json` });
  });

  it("--stage goes with --aws", async () => {
    const { code, stderr } = await goldpipe("ingest", path.join(FIXTURES, "dump.tsv"), "--stage", "test", "--lake", lake);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--stage goes with --aws/);
  });
});

describe("goldpipe ingest on a terminal", () => {
  it("shows a progress bar on stderr for a large file, and keeps stdout for the summary", async () => {
    const big = path.join(work, "big.csv");
    const rows = Array.from({ length: 240_000 }, (_, n) => `b-${n},Gold edges higher in quiet trade number ${n},2024-03-01T10:00:00Z`);
    await writeFile(big, `id,headline,published_at\n${rows.join("\n")}\n`);
    const out: string[] = [];
    const err: string[] = [];
    const sink = (chunks: string[], tty: boolean) =>
      Object.assign(
        new Writable({
          write: (chunk, _encoding, done) => {
            chunks.push(String(chunk));
            done();
          },
        }),
        {
          isTTY: tty,
          columns: 100,
        },
      );
    const code = await main(["ingest", big, "--lake", lake], { stdout: sink(out, false), stderr: sink(err, true) });
    expect(code).toBe(0);
    const CURSOR_TO_COLUMN_1 = "\u001b[1G";
    expect(err.join("")).toContain(`${CURSOR_TO_COLUMN_1}big.csv [`);
    expect(err.join("")).toMatch(/big\.csv \[[=-]{40}\] \d+% \| [\d,]+ rows/);
    expect(out.join("")).toContain("240,000 rows read, 240,000 valid, 0 quarantined");
  }, 60_000);
});
