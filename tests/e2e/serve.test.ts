import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REALTIME_LANDED_PREFIX } from "../../functions/core/lake-keys.ts";
import { DirectoryObjectStore } from "../../local/adapters/directory-object-store.ts";
import { queryLake } from "../../local/query/lake-catalog.ts";
import { buildTinyModel, goldpipe } from "../support/pipeline-fixtures.ts";

/**
 * `goldpipe serve` as a user runs it, in its own process: SageMaker's contract on its port, each answer
 * landed before it goes out (a kill -9 right after the answers loses nothing), the landings merged into
 * the table exactly once, with the batch path too, and `goldpipe ingest --realtime-url` routing to it.
 */

const BIN = path.resolve(import.meta.dirname, "../../bin/goldpipe.mjs");
let workdir: string;
let model: string;
let lake: string;
let port: number;
let serving: ChildProcess | undefined;

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-serve-"));
  model = await buildTinyModel(workdir);
  lake = path.join(workdir, "lake");
  port = await freePort();
});

afterAll(async () => {
  serving?.kill("SIGKILL");
  await rm(workdir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port: free } = probe.address() as { port: number };
  probe.close();
  return free;
}

/** Starts goldpipe serve and resolves once it says it is ready; its JSON events are collected. */
async function startServe(mergeSeconds: number): Promise<{ child: ChildProcess; events: Record<string, unknown>[] }> {
  const args = [BIN, "serve", "--lake", lake, "--model", model, "--port", String(port), "--merge-seconds", String(mergeSeconds), "--json"];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const events: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr!.on("data", (text) => (stderr += text));
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<void>((resolve, reject) => {
    lines.on("line", (line) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      if (event.event === "ready") resolve();
    });
    child.on("exit", (code) => reject(new Error(`goldpipe serve exited ${code} before it was ready: ${stderr}`)));
  });
  await ready;
  serving = child;
  return { child, events };
}

const post = (body: string, contentType = "application/json") =>
  fetch(`http://127.0.0.1:${port}/invocations`, { method: "POST", body, headers: { "content-type": contentType } });

async function curated(): Promise<{ id: string; run_id: string; n: number }[]> {
  const { rows } = await queryLake(lake, "SELECT id, run_id, count(*)::INTEGER AS n FROM headline_sentiment GROUP BY ALL ORDER BY id");
  return rows as { id: string; run_id: string; n: number }[];
}

async function landings(): Promise<number> {
  let count = 0;
  for await (const _ of new DirectoryObjectStore(lake).list(REALTIME_LANDED_PREFIX)) count++;
  return count;
}

function scorerProcessesOf(modelDir: string): string[] {
  const listing = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return listing.split("\n").filter((line) => line.includes("goldpipe_scorer serve") && line.includes(modelDir));
}

describe("goldpipe serve", () => {
  it("answers SageMaker's contract and lands every answer before it goes out: a kill -9 after the answers loses none", async () => {
    const { child } = await startServe(3600);
    expect((await fetch(`http://127.0.0.1:${port}/ping`)).status).toBe(200);

    const one = await post(
      JSON.stringify({ id: "rt-1", headline: "Gold jumps as the Fed signals cuts", published_at: "2024-03-01T14:30:00Z" }),
    );
    const list = await post(
      JSON.stringify([
        { id: "rt-2", title: "Gold slips as the dollar firms", date: "01-03-2024" },
        { id: "rt-3", headline: "Miners rally with bullion", published_at: "2024-03-02T09:00:00Z", symbols: "GDX, NEM" },
      ]),
    );
    const lines = await post(
      '{"id": "rt-4", "headline": "Gold steady", "published_at": "2024-03-02T10:00:00Z"}\n',
      "application/jsonlines",
    );
    const bad = await post(JSON.stringify({ headline: "Gold", published_at: "31-02-2024" }));

    expect(one.status).toBe(200);
    const answer = (await one.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ id: "rt-1", run_id: "realtime", origin: { file: "goldpipe-serve", line: 1 } });
    expect(Object.keys(answer)).toEqual(expect.arrayContaining(["label", "score", "probs", "intensity", "model", "scored_at"]));
    // Instruments are tagged from the text as at ingest, after the symbols a request gives.
    const listed = (await list.json()) as { id: string; symbols: string[]; tagged_symbols: string[] }[];
    expect(listed.map((row) => [row.id, row.symbols, row.tagged_symbols])).toEqual([
      ["rt-2", ["XAU", "DXY"], ["XAU", "DXY"]],
      ["rt-3", ["GDX", "NEM", "XAU"], ["XAU"]],
    ]);
    expect(lines.headers.get("content-type")).toBe("application/jsonlines");
    expect(
      (await lines.text())
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).id),
    ).toEqual(["rt-4"]);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^the request: impossible date/);
    const metrics = (await (await fetch(`http://127.0.0.1:${port}/metrics`)).json()) as {
      serve: { requests: number };
      scorer: { requests: number };
    };
    expect(metrics.serve.requests).toBe(3);
    expect(metrics.scorer.requests).toBe(3);

    child.kill("SIGKILL");
    await once(child, "exit");
    expect(await landings()).toBeGreaterThan(0);
    // The scoring server notices its parent is gone (it looks every second) and stops too; on a busy CPU its
    // interpreter takes a while to wind down.
    for (let waited = 0; scorerProcessesOf(model).length > 0 && waited < 600; waited++) await new Promise((r) => setTimeout(r, 100));
    expect(scorerProcessesOf(model)).toEqual([]);
  });

  it("merges what the killed server landed when it starts again, and a headline sent again is not curated twice", async () => {
    const { child, events } = await startServe(3600);
    expect(await curated()).toEqual(["rt-1", "rt-2", "rt-3", "rt-4"].map((id) => ({ id, run_id: "realtime", n: 1 })));
    expect(await landings()).toBe(0);

    expect(
      (await post(JSON.stringify({ id: "rt-1", headline: "Gold jumps as the Fed signals cuts", published_at: "2024-03-01T14:30:00Z" })))
        .status,
    ).toBe(200);
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");

    expect(code).toBe(0);
    expect(events.filter((event) => event.event === "merge").map((event) => [event.rows_curated, event.duplicates])).toEqual([
      [4, 0],
      [0, 1],
    ]);
    expect((await curated()).map((row) => row.n)).toEqual([1, 1, 1, 1]);
  });

  it("is exactly once with the batch path, and the fanout routes critical headlines to it during market hours", async () => {
    await startServe(3600);
    const file = path.join(workdir, "news.csv");
    await writeFile(
      file,
      [
        "id,headline,published_at,symbols,source",
        "rt-2,Gold slips as the dollar firms,2024-03-01T00:00:00Z,,wire",
        "b-1,Fed holds rates; gold edges up,2024-03-01T15:00:00Z,,wire",
        "b-2,Silver steady,2024-03-01T15:01:00Z,,wire",
      ].join("\n"),
    );
    const config = path.join(workdir, "realtime.yml");
    // A market that never closes, so the test does not depend on the hour it runs at.
    await writeFile(
      config,
      [
        "markets: [always]",
        "customMarkets:",
        "  - { name: always, timeZone: UTC, tradingDays: [mon, tue, wed, thu, fri, sat, sun], open: '00:00', close: '00:00' }",
        "critical: { keywords: [Fed] }",
      ].join("\n"),
    );

    const ingested = await goldpipe([
      "ingest",
      file,
      "--lake",
      lake,
      "--realtime-url",
      `http://127.0.0.1:${port}`,
      "--realtime-config",
      config,
      "--json",
    ]);
    expect(ingested.code).toBe(0);
    expect(JSON.parse(ingested.stdout).files[0]).toMatchObject({ rows_valid: 3, rows_realtime: 1 });

    serving!.kill("SIGTERM");
    await once(serving!, "exit");
    const sealed = await goldpipe(["run", file, "--lake", lake, "--model", model, "--json"]);
    const report = JSON.parse(sealed.stdout);

    expect(report).toMatchObject({ status: "Succeeded", rows_valid: 3, rows_realtime: 1, rows_sharded: 2, rows_scored: 2, duplicates: 1 });
    expect(await curated()).toEqual([
      { id: "b-1", run_id: "realtime", n: 1 },
      { id: "b-2", run_id: report.run_id, n: 1 },
      { id: "rt-1", run_id: "realtime", n: 1 },
      { id: "rt-2", run_id: "realtime", n: 1 },
      { id: "rt-3", run_id: "realtime", n: 1 },
      { id: "rt-4", run_id: "realtime", n: 1 },
    ]);
  });
});
