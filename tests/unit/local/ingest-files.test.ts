import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withDuckDB } from "../../../functions/core/lake/duckdb.ts";
import { sqlString } from "../../../functions/core/lake/sql-literal.ts";
import { HeadlineSchema, type Headline } from "../../../functions/core/headline.ts";
import { IngestRecordSchema } from "../../../functions/core/ingest/ingest-record.ts";
import type { QuarantinedRow } from "../../../functions/core/ingest/quarantine.ts";
import { quarantinePrefix, quarantineReasonKey, quarantineRowsKey } from "../../../functions/core/lake-keys.ts";
import { ingestLocalFiles, type LocalIngestResult } from "../../../local/ingest-files.ts";
import { GOLD_HEADLINES_TSV, HAS_GOLD_HEADLINES } from "../../support/gold-headlines.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURES = path.join(REPO, "tests/fixtures/ingest");
const NOW = Date.parse("2026-01-15T12:00:00Z");

let work: string;
let lake: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(tmpdir(), "ingest-files-test-"));
  lake = path.join(work, "lake");
});
afterEach(() => rm(work, { recursive: true, force: true }));

const truncated = (gz: Buffer) => gz.subarray(0, gz.length - 12);

async function ingestContent(name: string, content: string | Buffer) {
  const file = path.join(work, name);
  await writeFile(file, content);
  return ingestOne(file);
}

async function ingestOne(file: string) {
  const { files, segments } = await ingestLocalFiles([file], { lake, now: NOW });
  const result = files[0]!;
  if (result.error !== null) throw new Error(result.error);
  return { result, segments };
}

async function pendingHeadlines(): Promise<Headline[]> {
  const directory = path.join(lake, "pending");
  const names = await readdir(directory).catch(() => [] as string[]);
  const headlines: Headline[] = [];
  for (const name of names) {
    for (const line of (await readFile(path.join(directory, name), "utf8")).split("\n")) {
      if (line) headlines.push(HeadlineSchema.parse(JSON.parse(line)));
    }
  }
  return headlines;
}

/** The bad rows of a dropped file, by its lake key (the result's `file`). */
async function quarantinedRows(file: string): Promise<QuarantinedRow[]> {
  const text = await readFile(path.join(lake, quarantineRowsKey(file)), "utf8");
  return text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as QuarantinedRow);
}

function expectAccounted(result: LocalIngestResult & { error: null }) {
  expect(result.rows_read).toBe(result.rows_valid + result.rows_quarantined);
  expect(Object.values(result.quarantine_reasons).reduce((a, b) => a + b, 0)).toBe(result.rows_quarantined);
}

describe("ingestLocalFiles: the shapes a dump comes in", () => {
  it("reads a CSV with a BOM, CRLF, quoted newlines and aliased columns", async () => {
    const { result, segments } = await ingestOne(path.join(FIXTURES, "quoted-crlf-bom.csv"));
    expect(result).toMatchObject({ rows_read: 4, rows_valid: 4, rows_quarantined: 0, duplicate_of: null, bad_file: null });
    expect(segments).toBe(1);
    const headlines = await pendingHeadlines();
    expect(headlines.map((h) => [h.id, h.headline, h.published_at, h.symbols, h.origin.line])).toEqual([
      ["a-1", 'Gold rallies as "safe haven" bid returns', "2024-03-01T14:30:00.000Z", ["XAUUSD", "GLD", "XAU"], 2],
      ["a-2", "Miners jump; GDX up 3%", "2024-03-01T00:00:00.000Z", ["GDX", "NEM"], 3],
      ["a-3", "Dollar index slips", "2024-03-01T00:00:00.000Z", ["DXY"], 5],
      ["a-4", "Gold steady before payrolls", "2024-03-01T14:30:00.000Z", ["XAUUSD", "XAU"], 7],
    ]);
    expect(result.file).toMatch(/^incoming\/\d{8}T\d{6}Z-[0-9a-f]{8}\/quoted-crlf-bom\.csv$/);
    expect(headlines[0]!.origin.file).toBe(result.file);
    const record = IngestRecordSchema.parse(JSON.parse(await readFile(path.join(lake, "ingest", `${result.sha256}.json`), "utf8")));
    expect(record).toMatchObject({ file: result.file, rows_read: 4, rows_valid: 4, duplicate_of: null, rows_skipped: 0 });
  });

  it("reads a TSV dump with day-first dates and quarantines its impossible ones", async () => {
    const { result } = await ingestOne(path.join(FIXTURES, "dump.tsv"));
    expect(result).toMatchObject({ rows_read: 4, rows_valid: 2, rows_quarantined: 2, quarantine_reasons: { "impossible date": 2 } });
    expect((await pendingHeadlines()).map((h) => h.published_at)).toEqual(["2018-11-19T00:00:00.000Z", "2017-04-07T00:00:00.000Z"]);
    expect((await quarantinedRows(result.file)).map((r) => [r.line, r.field, r.reason])).toEqual([
      [4, "published_at", "impossible date"],
      [5, "published_at", "impossible date"],
    ]);
  });

  it("reads news-API JSONL and sets aside its bad lines", async () => {
    const { result } = await ingestOne(path.join(FIXTURES, "news-api.jsonl"));
    expectAccounted(result);
    expect(result).toMatchObject({
      rows_read: 6,
      rows_valid: 3,
      quarantine_reasons: { "wrong type": 1, "malformed JSON": 1, "not a JSON object": 1 },
    });
    expect((await pendingHeadlines()).map((h) => [h.id, h.published_at])).toEqual([
      ["n-1", "2024-03-04T14:30:00.000Z"],
      ["2", "2024-03-04T14:00:00.000Z"],
      ["n-3", "2024-03-04T16:05:00.000Z"],
    ]);
  });

  it("reads a JSON array", async () => {
    const { result } = await ingestOne(path.join(FIXTURES, "headlines.json"));
    expect(result).toMatchObject({ rows_read: 3, rows_valid: 2, quarantine_reasons: { "missing published time": 1 } });
    expect((await quarantinedRows(result.file))[0]).toMatchObject({ line: 4, field: "published_at" });
  });

  it("reads any of them gzip-compressed", async () => {
    const csv = await readFile(path.join(FIXTURES, "quoted-crlf-bom.csv"));
    const { result } = await ingestContent("headlines.csv.gz", gzipSync(csv));
    expect(result).toMatchObject({ rows_read: 4, rows_valid: 4 });
    const jsonl = await readFile(path.join(FIXTURES, "news-api.jsonl"));
    expect((await ingestContent("news.jsonl.gz", gzipSync(jsonl))).result).toMatchObject({ rows_read: 6, rows_valid: 3 });
  });

  it("reads Parquet, gzip-compressed too", async () => {
    const file = path.join(work, "h.parquet");
    await withDuckDB((c) =>
      c.run(`COPY (SELECT 'q-' || i AS id, 'Gold note ' || i AS headline, TIMESTAMPTZ '2024-03-01 14:30:00+00' AS published_at,
                   ['GLD'] AS symbols FROM range(3000) t(i)) TO ${sqlString(file)} (FORMAT parquet)`),
    );
    const { result } = await ingestOne(file);
    expect(result).toMatchObject({ rows_read: 3000, rows_valid: 3000 });
    expect((await pendingHeadlines())[0]).toMatchObject({ published_at: "2024-03-01T14:30:00.000Z", symbols: ["GLD", "XAU"] });
    const { result: gz } = await ingestContent("h2.parquet.gz", gzipSync(Buffer.concat([await readFile(file), Buffer.alloc(0)])));
    expect(gz).toMatchObject({ duplicate_of: null, rows_valid: 3000 });
  });
});

describe.skipIf(!HAS_GOLD_HEADLINES)("ingestLocalFiles: the shared gold data set", () => {
  it("accounts for every row and quarantines the garbled dates with reasons", async () => {
    const { result } = await ingestOne(GOLD_HEADLINES_TSV);
    expectAccounted(result);
    expect(result.rows_read).toBe(8456);
    expect(result.rows_quarantined).toBeGreaterThan(100);
    const rows = await quarantinedRows(result.file);
    expect(rows).toHaveLength(result.rows_quarantined);
    const garbled = rows.filter((r) => r.field === "published_at");
    expect(garbled.length).toBeGreaterThanOrEqual(131);
    for (const row of garbled) {
      expect(row.reason).toBe("impossible date");
      expect(row.raw.startsWith(row.raw.split("\t")[0]!)).toBe(true);
      expect(row.detail).toMatch(/before 1900/);
    }
    expect((await pendingHeadlines()).length).toBe(result.rows_valid);
  });
});

describe("ingestLocalFiles: the same file twice", () => {
  it("recognizes a re-dropped file, under its own or another name, and adds no rows", async () => {
    const first = await ingestOne(path.join(FIXTURES, "quoted-crlf-bom.csv"));
    const again = await ingestOne(path.join(FIXTURES, "quoted-crlf-bom.csv"));
    const csv = await readFile(path.join(FIXTURES, "quoted-crlf-bom.csv"));
    const renamed = await ingestContent("copy.csv", csv);
    for (const dropped of [again, renamed]) {
      expect(dropped.result).toMatchObject({ rows_read: 0, rows_valid: 0, duplicate_of: first.result.file });
      expect(dropped.segments).toBe(0);
    }
    expect(first.segments).toBe(1);
    expect(await pendingHeadlines()).toHaveLength(4);
  });

  it("keeps two different files of the same name apart: each its own key, its own quarantine", async () => {
    const a = path.join(work, "a", "feed.csv");
    const b = path.join(work, "b", "feed.csv");
    await import("node:fs/promises").then((fs) => Promise.all([fs.mkdir(path.dirname(a)), fs.mkdir(path.dirname(b))]));
    await writeFile(a, "id,headline,published_at\na-1,Gold up,2024-03-01\na-2,Gold,31-02-2024\n");
    await writeFile(b, "id,headline,published_at\nb-1,Gold down,2024-03-01\nb-2,,2024-03-01\n");
    const { files } = await ingestLocalFiles([a, b], { lake, now: NOW });
    const [fromA, fromB] = files as (LocalIngestResult & { error: null })[];
    expect(fromA!.file).not.toBe(fromB!.file);
    expect((await quarantinedRows(fromA!.file)).map((row) => row.reason)).toEqual(["impossible date"]);
    expect((await quarantinedRows(fromB!.file)).map((row) => row.reason)).toEqual(["missing headline"]);
    expect((await pendingHeadlines()).map((h) => h.id).sort()).toEqual(["a-1", "b-1"]);
  });

  it("ingests only the rows past those an earlier version of the file brought, counting them in rows_skipped", async () => {
    const file = path.join(work, "growing.csv");
    const first = "id,headline,published_at\ng-1,Gold up,2024-03-01\n";
    await writeFile(file, `${first}g-2,Gold up again,2024-03-02\ng-3,,2024-03-03\n`);
    const { files } = await ingestLocalFiles([{ path: file, skipRows: 1 }], { lake, now: NOW });
    const grown = files[0] as LocalIngestResult & { error: null };
    expect(grown).toMatchObject({ rows_read: 2, rows_valid: 1, rows_quarantined: 1 });
    expect((await quarantinedRows(grown.file))[0]).toMatchObject({ line: 4 });
    expect((await pendingHeadlines()).map((h) => h.id)).toEqual(["g-2"]);
    const record = IngestRecordSchema.parse(JSON.parse(await readFile(path.join(lake, "ingest", `${grown.sha256}.json`), "utf8")));
    expect(record).toMatchObject({ rows_read: 2, rows_skipped: 1 });

    const { files: cut } = await ingestLocalFiles([{ path: file, bytes: Buffer.byteLength(first) }], { lake, now: NOW });
    expect(cut[0]).toMatchObject({ rows_read: 1, rows_valid: 1 });
  });
});

describe("ingestLocalFiles: the bad-input suite", () => {
  const header = "id,headline,published_at\n";
  const good = "g-1,Gold holds steady,2024-03-01T10:00:00Z\n";

  describe.each([
    ["an empty file", "empty.csv", "", /empty/],
    ["a binary file", "binary.csv", Buffer.from([0x47, 0x00, 0xff, 0x13, 0x00, 0x00, 0x9a]), /not a text file/],
    ["an Excel workbook", "book.csv", Buffer.concat([Buffer.from("PK\u0003\u0004", "latin1"), Buffer.alloc(100, 7)]), /ZIP archive/],
    ["no headline column", "nohead.csv", "id,body,published_at\n1,x,2024-01-01\n", /no headline column/],
    ["no time column", "notime.csv", "id,headline\n1,Gold up\n", /no published-time column/],
    ["a header only", "header-only.csv", header, /no rows/],
    ["an empty JSON array", "empty.json", "[\n]\n", /no rows/],
    ["a truncated gzip", "cut.csv.gz", truncated(gzipSync(header + good.repeat(500))), /gzip data is truncated or corrupt/],
    ["a corrupt Parquet file", "broken.parquet", Buffer.concat([Buffer.from("PAR1"), Buffer.alloc(64, 1)]), /not a readable Parquet file/],
    ["a JSON envelope instead of headline objects", "envelope.json", '{"status": "ok", "articles": []}\n', /no headline field/],
    ["pretty-printed JSON that is not an array", "pretty.json", '{\n  "headline": "Gold"\n}\n', /not a headline object \(malformed JSON\)/],
  ] as const)("%s", (_, name, content, reason) => {
    it("is moved to quarantine whole with its reason, and nothing is sent", async () => {
      const { result, segments } = await ingestContent(name, content);
      expect(result.bad_file?.reason).toMatch(reason);
      expect(result).toMatchObject({ rows_read: 0, rows_valid: 0, rows_quarantined: 0 });
      expect(segments).toBe(0);
      const reasonFile = JSON.parse(await readFile(path.join(lake, quarantineReasonKey(result.file)), "utf8"));
      expect(reasonFile).toMatchObject({ file: result.file, reason: result.bad_file!.reason });
      expect(await readFile(path.join(lake, quarantinePrefix(result.file), name))).toEqual(Buffer.from(content));
      await expect(readFile(path.join(lake, result.file))).rejects.toThrow();
    });
  });

  it.each([
    ["an impossible date", `${header}b-1,Gold,0201-04-20\n`, "published_at", "impossible date"],
    ["a day that does not exist", `${header}b-1,Gold,31-02-2024\n`, "published_at", "impossible date"],
    ["a date in no known shape", `${header}b-1,Gold,yesterday\n`, "published_at", "unrecognized date"],
    ["an empty headline", `${header}b-1,,2024-03-01\n`, "headline", "missing headline"],
    ["too few columns", `${header}b-1,Gold\n`, null, "wrong number of columns"],
    ["an unclosed quote", `${header}b-1,"Gold never closes,2024-03-01\n`, null, "unclosed quote"],
    [
      "invalid UTF-8",
      Buffer.concat([Buffer.from(`${header}b-1,Gold `), Buffer.from([0xc3, 0x28]), Buffer.from(",2024-03-01\n")]),
      null,
      "invalid UTF-8",
    ],
    ["a 1 MB single line", `${header}b-1,${"gold ".repeat(210_000)},2024-03-01\n`, "headline", "headline too long"],
    ["a duplicate id", `${header}b-1,Gold up,2024-03-01\nb-1,Gold up again,2024-03-02\n`, "id", "duplicate id"],
  ])("a row with %s is quarantined with file, line, field and reason", async (_, content, field, reason) => {
    const { result } = await ingestContent(
      "rows.csv",
      typeof content === "string" ? content + good : Buffer.concat([content, Buffer.from(good)]),
    );
    expectAccounted(result);
    expect(result.rows_quarantined).toBe(1);
    expect(result.quarantine_reasons).toEqual({ [reason]: 1 });
    const [row] = await quarantinedRows(result.file);
    expect(row).toMatchObject({ file: result.file, field, reason });
    expect(row!.line).toBeGreaterThanOrEqual(2);
    expect(row!.detail.length).toBeGreaterThan(0);
    expect((await pendingHeadlines()).map((h) => h.id)).toContain("g-1");
  });

  it.each([
    ["wrong JSON types", '{"id":"j-1","headline":["not","text"],"created_at":"2024-03-01"}\n', "headline", "wrong type"],
    ["a malformed JSON line", '{"id":"j-1","headline":"Gold",\n', null, "malformed JSON"],
    ["a JSON value that is not an object", '"just a string"\n', null, "not a JSON object"],
  ])("a JSONL line with %s is quarantined", async (_, line, field, reason) => {
    const { result } = await ingestContent("rows.jsonl", `{"id":"g-1","headline":"Gold","created_at":"2024-03-01"}\n${line}`);
    expect(result).toMatchObject({ rows_read: 2, rows_valid: 1, quarantine_reasons: { [reason]: 1 } });
    expect((await quarantinedRows(result.file))[0]).toMatchObject({ line: 2, field, reason });
  });

  it("a JSON array cut off mid-element keeps the elements before it", async () => {
    const { result } = await ingestContent("cut.json", '[{"id":"g-1","headline":"Gold","date":"2024-03-01"},\n{"id":"g-2","headline":"Go');
    expect(result).toMatchObject({ rows_read: 2, rows_valid: 1, quarantine_reasons: { "truncated JSON": 1 } });
  });
});

describe("ingestLocalFiles: several files", () => {
  it("reports an unreadable path and still ingests the others", async () => {
    const { files, segments } = await ingestLocalFiles([path.join(work, "missing.csv"), path.join(FIXTURES, "dump.tsv"), work], {
      lake,
      now: NOW,
    });
    expect(files[0]).toMatchObject({ file: null, error: expect.stringMatching(/missing\.csv does not exist/) });
    expect(files[1]).toMatchObject({ error: null, rows_valid: 2 });
    expect(files[2]).toMatchObject({ file: null, error: expect.stringMatching(/is not a file/) });
    expect(segments).toBe(1);
  });

  it("refuses a symbolic link rather than copying what it points to into the lake", async () => {
    const link = path.join(work, "passwd.csv");
    await import("node:fs/promises").then((fs) => fs.symlink("/etc/passwd", link));
    const { files, segments } = await ingestLocalFiles([link], { lake, now: NOW });
    expect(files[0]).toMatchObject({ file: null, error: expect.stringMatching(/passwd\.csv is a symbolic link \(to \/etc\/passwd\)/) });
    expect(segments).toBe(0);
    expect(await readdir(lake).catch(() => [])).not.toContain("quarantine");
    expect(await readdir(lake).catch(() => [])).not.toContain("incoming");
  });

  it("reports progress as it parses", async () => {
    const rows = Array.from(
      { length: 40_000 },
      (_, i) => `p-${i},Gold edges higher as the dollar slips in session ${i},2024-03-01T10:00:00Z\n`,
    );
    const file = path.join(work, "progress.csv");
    await writeFile(file, `id,headline,published_at\n${rows.join("")}`);
    const seen: { bytes: number; total: number; rows: number }[] = [];
    await ingestLocalFiles([file], { lake, now: NOW, onProgress: (_, progress) => seen.push({ ...progress }) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toMatchObject({ rows: 40_000, bytes: seen.at(-1)!.total });
  });
});
