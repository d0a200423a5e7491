import { spawn, type ChildProcess } from "node:child_process";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PENDING_PREFIX } from "../../functions/core/lake-keys.ts";
import { fastJob } from "../support/fast-job.ts";
import { buildTinyModel, goldpipe, writeHeadlinesCsv } from "../support/pipeline-fixtures.ts";

const BIN = path.resolve(import.meta.dirname, "../../bin/goldpipe.mjs");
// Tuesday 10:00 New York (COMEX open) and Saturday 10:00 New York (closed), as the watch's clock starts.
const OPEN = "2026-01-13T10:00:00-05:00";
const CLOSED = "2026-01-17T10:00:00-05:00";

let workdir: string;
let model: string;
let schedule: string;
let drop: string;
let lake: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  workdir = await mkdtemp(path.join(os.tmpdir(), "goldpipe-watch-e2e-"));
  model = await buildTinyModel(workdir);
  // Seconds instead of minutes: a tick every 0.6 s, a 3 s freshness target.
  schedule = path.join(workdir, "schedule.yaml");
  await writeFile(schedule, "markets: [comex-gold]\nfreshnessMinutes: 0.05\ntickMinutes: 0.01\n");
});
afterAll(() => rm(workdir, { recursive: true, force: true }));
beforeEach(async () => {
  const root = await mkdtemp(path.join(workdir, "case-"));
  drop = path.join(root, "drop");
  lake = path.join(root, "lake");
  await mkdir(drop);
});
afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // the group has ended
    }
  }
});

interface Event {
  event: string;
  [field: string]: unknown;
}

/** `goldpipe watch` as its own process, as a user runs it: its JSON events as they come, and its exit. */
function startWatch(clockStart: string, options: { args?: string[]; env?: Record<string, string>; model?: string } = {}) {
  // Its own process group, as a terminal's foreground job: Ctrl-C reaches watch, which stops the GPU jobs it started.
  const child = spawn(
    process.execPath,
    [
      BIN,
      "watch",
      drop,
      "--lake",
      lake,
      "--model",
      options.model ?? model,
      "--config",
      schedule,
      "--start-at",
      clockStart,
      "--json",
      ...(options.args ?? []),
    ],
    {
      env: { ...process.env, GOLDPIPE_CHAOS: "", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  children.push(child);
  const events: Event[] = [];
  let buffered = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as Event);
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = async (what: string, test: (e: Event) => boolean, timeoutMs = 120_000): Promise<Event> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find(test);
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`watch exited (${child.exitCode}) before ${what}: ${stderr}`);
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; events: ${events.map((e) => e.event).join(", ")}; stderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const ctrlC = () => process.kill(-child.pid!, "SIGINT");
  const stop = async () => {
    ctrlC();
    return exited;
  };
  return { events, waitFor, stop, ctrlC, exited, stderr: () => stderr };
}

async function curatedCount(): Promise<number> {
  const { code, stdout, stderr } = await goldpipe([
    "query",
    "--lake",
    lake,
    "--json",
    "SELECT count(*)::INTEGER AS n FROM headline_sentiment",
  ]);
  expect(code, stderr).toBe(0);
  return (JSON.parse(stdout) as { n: number }[])[0]!.n;
}

describe("goldpipe watch, end to end on the local runtime", () => {
  it("ingests a file once it is whole, seals it by the calendar, runs it, and its rows can be queried", async () => {
    const watch = startWatch(OPEN);
    await watch.waitFor("the first decision", (e) => e.event === "seal_decision");
    // The file lands in two writes a second apart: the first half must not be read on its own.
    const whole = await writeHeadlinesCsv(path.join(workdir, "whole.csv"), 60, 21);
    const text = await readFile(whole, "utf8");
    const half = text.indexOf("\n", text.length / 2) + 1;
    const dropped = path.join(drop, "news.csv");
    await writeFile(dropped, text.slice(0, half));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await appendFile(dropped, text.slice(half));

    const ingested = await watch.waitFor("the ingest", (e) => e.event === "ingested");
    expect(ingested).toMatchObject({ rows_valid: 60, rows_quarantined: 0 });
    const sealed = await watch.waitFor("the seal", (e) => e.event === "seal_result");
    expect(sealed).toMatchObject({ trigger: "schedule", run_id: expect.stringMatching(/^run-/) });
    const finished = await watch.waitFor("the run's end", (e) => e.event === "run_finished");
    expect(finished).toMatchObject({ run_id: sealed.run_id, status: "Succeeded", rows_curated: 60 });
    await watch.waitFor("the move to ingested/", (e) => e.event === "moved");
    expect(await readdir(path.join(drop, "ingested"))).toEqual(["news.csv"]);
    expect(await curatedCount()).toBe(60);
    const report = JSON.parse(await readFile(path.join(lake, "runs", String(sealed.run_id), "report.json"), "utf8"));
    expect(report.trigger).toBe("schedule");

    expect(await watch.stop()).toBe(0);
    expect(watch.events.at(-1)).toMatchObject({ event: "stopped", pending_rows: 0 });
  });

  it("stops without losing what is pending, and the next start seals and scores it", async () => {
    const weekend = startWatch(CLOSED);
    await writeHeadlinesCsv(path.join(drop, "weekend.csv"), 25, 22);
    await weekend.waitFor("the ingest", (e) => e.event === "ingested");
    const waiting = await weekend.waitFor("a decision about the file", (e) => e.event === "seal_decision" && e.pending_rows === 25);
    expect(waiting).toMatchObject({ seal: false, reason: expect.stringMatching(/^markets closed/) });
    expect(await weekend.stop()).toBe(0);
    expect(weekend.events.at(-1)).toMatchObject({ event: "stopped", pending_rows: 25 });
    expect(weekend.events.some((e) => e.event === "seal_result")).toBe(false);
    expect((await readdir(path.join(lake, PENDING_PREFIX))).length).toBeGreaterThan(0);

    const monday = startWatch(OPEN);
    const finished = await monday.waitFor("the run after restart", (e) => e.event === "run_finished");
    expect(finished).toMatchObject({ status: "Succeeded", rows_curated: 25 });
    expect(monday.events.some((e) => e.event === "ingested")).toBe(false);
    expect(await curatedCount()).toBe(25);
    expect(await monday.stop()).toBe(0);
  });

  it("stopped twice mid-run, leaves the run, and the next start resumes it", async () => {
    const watch = startWatch(OPEN);
    await writeHeadlinesCsv(path.join(drop, "news.csv"), 30, 23);
    const sealed = await watch.waitFor("the seal", (e) => e.event === "seal_result");
    watch.ctrlC();
    await watch.waitFor("the stopping notice", (e) => e.event === "stopping");
    watch.ctrlC();
    expect(await watch.exited).toBe(130);
    expect(watch.stderr()).toMatch(/stopping now; the unfinished run is resumed at the next start/);

    const next = startWatch(CLOSED);
    const resumed = await next.waitFor("the resume", (e) => e.event === "resumed");
    expect(resumed).toMatchObject({ run_id: sealed.run_id });
    const finished = await next.waitFor("the resumed run's end", (e) => e.event === "run_finished");
    expect(finished).toMatchObject({ run_id: sealed.run_id, status: "Succeeded", rows_curated: 30 });
    expect(await next.stop()).toBe(0);
    expect(await curatedCount()).toBe(30);
  });
});

describe("goldpipe watch and writers that take their time", () => {
  let fast: { python: string; model: string };
  beforeAll(async () => {
    fast = await fastJob(workdir);
  });
  const startFast = (args: string[] = []) =>
    startWatch(OPEN, { model: fast.model, env: { GOLDPIPE_PYTHON: fast.python }, args: ["--settle-seconds", "0.5", ...args] });

  it("reads a file only once its writer has closed it, then the rows appended with >> after, losing none", async () => {
    const watch = startFast(["--quiet-seconds", "6"]);
    await watch.waitFor("the start", (e) => e.event === "started");
    const rows = (await readFile(await writeHeadlinesCsv(path.join(workdir, "slow.csv"), 12, 24), "utf8")).split("\n").filter(Boolean);
    const held = path.join(drop, "held.csv");
    // A writer that keeps the file open and pauses longer than the settle time between rows.
    const writer = spawn("sh", [
      "-c",
      'exec 3>"$1"; shift; for row in "$@"; do printf "%s\\n" "$row" >&3; sleep 1; done',
      "sh",
      held,
      ...rows.slice(0, 6),
    ]);
    await new Promise((resolve) => writer.on("exit", resolve));
    const first = await watch.waitFor("the held file", (e) => e.event === "ingested" && e.file === held);
    expect(first).toMatchObject({ rows_valid: 5, rows_before: 0 });
    // Then rows appended one at a time, each by a new writer (>>), with pauses longer than the settle time.
    for (const row of rows.slice(6)) {
      await appendFile(held, `${row}\n`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    await watch.waitFor(
      "every row",
      () => watch.events.filter((e) => e.event === "ingested" && e.file === held).reduce((sum, e) => sum + Number(e.rows_valid), 0) === 12,
    );
    await watch.waitFor("the move once quiet", (e) => e.event === "moved" && e.file === held);
    await watch.waitFor(
      "the run of every row",
      () => watch.events.filter((e) => e.event === "run_finished").reduce((sum, e) => sum + Number(e.rows_curated), 0) === 12,
    );
    expect(await watch.stop()).toBe(0);
    expect(await curatedCount()).toBe(12);
  });

  it("stops with a clear error, and makes no new lake, when its lake directory is removed under it", async () => {
    const watch = startFast();
    await watch.waitFor("the first decision", (e) => e.event === "seal_decision");
    await rm(lake, { recursive: true, force: true });
    expect(await watch.exited).toBe(2);
    expect(watch.stderr()).toMatch(
      /^goldpipe watch: the lake directory .* was removed while watch was running; the headlines pending in it/m,
    );
    expect(watch.events.at(-1)).toMatchObject({ event: "lake_gone" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(readdir(lake)).rejects.toThrow(/ENOENT/);
  });
});
