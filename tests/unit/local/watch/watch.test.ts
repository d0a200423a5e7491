import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PENDING_PREFIX } from "../../../../functions/core/lake-keys.ts";
import type { ObjectStore } from "../../../../functions/core/ports.ts";
import { ScheduleConfigSchema } from "../../../../functions/core/scheduling/schedule-config.ts";
import { realClock } from "../../../../local/watch/clock.ts";
import { WatchView, type WatchEvent } from "../../../../local/watch/view.ts";
import { Watch, watchLogPath, type StartedRun, type WatchRuntime } from "../../../../local/watch/watch.ts";
import { DirectoryObjectStore } from "../../../../local/adapters/directory-object-store.ts";
import { until } from "../../../support/until.ts";

// Tuesday 13 January 2026, 10:00 New York (COMEX open) and Saturday 17 January (closed).
const OPEN = new Date("2026-01-13T15:00:00Z");
const CLOSED = new Date("2026-01-17T15:00:00Z");
// Ticks every 0.3 s, freshness 0.9 s: the loop's timing in test time.
const config = ScheduleConfigSchema.parse({ tickMinutes: 0.005, freshnessMinutes: 0.015 });

let root: string;
let dir: string;
let lake: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "goldpipe-watch-"));
  dir = path.join(root, "drop");
  lake = path.join(root, "lake");
  await Promise.all([dir, lake].map((d) => import("node:fs/promises").then((fs) => fs.mkdir(d, { recursive: true }))));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/**
 * The pipeline under watch, reduced to what watch relies on: ingest writes each file's lines to a
 * pending segment in the lake directory; seal takes every segment into a run the test finishes.
 */
function lineRuntime(store: ObjectStore) {
  const runs: { runId: string; trigger: string; rows: number; finish: () => void }[] = [];
  const runtime: WatchRuntime = {
    store,
    shardRows: 4000,
    async ingest(drops) {
      return Promise.all(
        drops.map(async ({ path: file, bytes, skipRows = 0 }) => {
          const lines = (await readFile(file, "utf8")).slice(0, bytes).split("\n").filter(Boolean);
          const added = lines.slice(skipRows);
          await store.put(
            `${PENDING_PREFIX}${path.basename(file)}-${skipRows}.jsonl`,
            added.map((headline) => JSON.stringify({ headline })).join("\n") + "\n",
          );
          return {
            file,
            rowsInContent: lines.length,
            unreadable: undefined,
            rowsValid: added.length,
            rowsQuarantined: 0,
            rejected: undefined,
            duplicateOf: undefined,
          };
        }),
      );
    },
    async resume() {
      return undefined;
    },
    async seal(trigger): Promise<StartedRun | undefined> {
      let rows = 0;
      const keys: string[] = [];
      for await (const object of store.list(PENDING_PREFIX)) keys.push(object.key);
      if (keys.length === 0) return undefined;
      for (const key of keys) rows += (await store.get(key))!.toString().split("\n").filter(Boolean).length;
      await Promise.all(keys.map((key) => store.delete(key)));
      let finish!: () => void;
      const finished = new Promise<{ status: string; rowsCurated: number }>(
        (resolve) => (finish = () => resolve({ status: "Succeeded", rowsCurated: rows })),
      );
      const runId = `run-${runs.length + 1}`;
      runs.push({ runId, trigger, rows, finish });
      return { runId, shards: 1, rows, finished };
    },
  };
  return { runtime, runs };
}

function startWatch(runtime: WatchRuntime, clockStart: Date, quietMs = 150) {
  const events: WatchEvent[] = [];
  const out = new Writable({
    write: (chunk, _e, done) => {
      events.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const watch = new Watch({
    dir,
    lake,
    runtime,
    config,
    clock: realClock(clockStart),
    view: new WatchView(out, true),
    pollMs: 20,
    settleMs: 60,
    quietMs,
  });
  const done = watch.run();
  return { watch, done, events };
}

describe("goldpipe watch's loop", () => {
  it("ingests a dropped file once it settles, moves it out once quiet, seals it in session and shows the finished run", async () => {
    const store = new DirectoryObjectStore(lake);
    const { runtime, runs } = lineRuntime(store);
    const { watch, done, events } = startWatch(runtime, OPEN);
    await writeFile(path.join(dir, "news.txt"), "Gold rises\nDollar slips\n");
    await until(() => runs.length === 1, "a run");
    expect(runs[0]).toMatchObject({ trigger: "schedule", rows: 2 });
    await until(() => events.some((e) => e.event === "moved"), "the move to ingested/");
    expect(await readdir(path.join(dir, "ingested"))).toEqual(["news.txt"]);
    expect(await readdir(dir)).toEqual(["ingested"]);
    runs[0]!.finish();
    await until(() => events.some((e) => e.event === "run_finished"), "the run to finish");
    watch.stop();
    await done;

    const kinds = events.map((e) => e.event);
    expect(kinds[0]).toBe("started");
    expect(kinds).toContain("ingested");
    expect(kinds).toContain("moved");
    const sealing = events.find((e) => e.event === "seal_decision" && e.seal === true)!;
    expect(sealing.reason).toMatch(/freshness target/);
    expect(events.find((e) => e.event === "seal_result")).toMatchObject({ run_id: "run-1", trigger: "schedule" });
    expect(kinds.at(-1)).toBe("stopped");
    const logged = (await readFile(watchLogPath(lake), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(logged.map((e) => e.event)).toEqual(kinds);
  });

  it("keeps pending headlines when stopped outside a session, and the next start seals them", async () => {
    const store = new DirectoryObjectStore(lake);
    const first = lineRuntime(store);
    const closed = startWatch(first.runtime, CLOSED);
    await writeFile(path.join(dir, "weekend.txt"), "Gold quiet on the weekend\n");
    await until(() => closed.events.some((e) => e.event === "ingested"), "the ingest");
    await until(() => closed.events.some((e) => e.event === "seal_decision" && e.pending_rows === 1), "a decision about it");
    closed.watch.stop();
    await closed.done;
    expect(first.runs).toEqual([]);
    expect(closed.events.at(-1)).toMatchObject({ event: "stopped", pending_rows: 1 });
    expect(closed.events.find((e) => e.event === "seal_decision" && e.pending_rows === 1)!.reason).toMatch(/markets closed/);

    const second = lineRuntime(store);
    const open = startWatch(second.runtime, OPEN);
    await until(() => second.runs.length === 1, "the run after restart");
    expect(second.runs[0]!.rows).toBe(1);
    second.runs[0]!.finish();
    open.watch.stop();
    await open.done;
    expect(open.events.at(-1)).toMatchObject({ event: "stopped", pending_rows: 0 });
  });

  it("reads rows appended to a file it took, and sets aside a file rewritten after it was taken, saying why", async () => {
    const store = new DirectoryObjectStore(lake);
    const { runtime } = lineRuntime(store);
    const { watch, done, events } = startWatch(runtime, CLOSED, 5_000);
    const appended = path.join(dir, "appended.txt");
    const rewritten = path.join(dir, "rewritten.txt");
    await writeFile(appended, "Gold rises\n");
    await writeFile(rewritten, "Gold rises\n");
    await until(() => events.filter((e) => e.event === "ingested").length === 2, "both files");
    await appendFile(appended, "Dollar slips\nYields climb\n");
    await writeFile(rewritten, "Silver rises\nand more\n");
    await until(() => events.some((e) => e.event === "set_aside"), "the rewritten file set aside");
    await until(() => events.filter((e) => e.event === "ingested").length === 3, "the appended rows");
    watch.stop();
    await done;

    const grew = events.filter((e) => e.event === "ingested" && e.file === appended).at(-1)!;
    expect(grew).toMatchObject({ rows_valid: 2, rows_before: 1 });
    expect(grew.message).toMatch(/appended\.txt grew after 1 row\(s\): 2 headline\(s\) pending/);
    const setAside = events.find((e) => e.event === "set_aside")!;
    expect(setAside).toMatchObject({ file: rewritten, rows_ingested: 1 });
    expect(setAside.message).toMatch(/were rewritten.*set aside as changed\/rewritten\.txt/);
    expect(await readdir(path.join(dir, "changed"))).toEqual(["rewritten.txt"]);
    const pending: string[] = [];
    for await (const object of store.list(PENDING_PREFIX)) pending.push((await store.get(object.key))!.toString());
    // the rewritten file's first version, the appended file's first row and the two it added
    expect(pending.join("").match(/"headline"/g)).toHaveLength(4);
  });

  it("stops with an error naming what was lost when the lake directory is removed under it", async () => {
    const store = new DirectoryObjectStore(lake, { createRoot: false });
    const { runtime } = lineRuntime(store);
    const { done, events } = startWatch(runtime, CLOSED);
    await until(() => events.some((e) => e.event === "seal_decision"), "the first tick");
    await rm(lake, { recursive: true, force: true });
    await expect(done).rejects.toThrow(/the lake directory .* was removed while watch was running/);
    expect(events.at(-1)).toMatchObject({ event: "lake_gone" });
    expect(await readdir(root)).toEqual(["drop"]);
  });

  it("waits for the run in progress when stopped, and leaves it when stopped again", async () => {
    const store = new DirectoryObjectStore(lake);
    const { runtime, runs } = lineRuntime(store);
    const { watch, done, events } = startWatch(runtime, OPEN);
    await writeFile(path.join(dir, "a.txt"), "Gold rises\n");
    await until(() => runs.length === 1, "a run");
    watch.stop();
    await until(() => events.some((e) => e.event === "stopping"), "the stopping notice");
    expect(events.find((e) => e.event === "stopping")!.message).toMatch(/goldpipe replay run-1/);
    let ended = false;
    void done.then(() => (ended = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ended).toBe(false);
    watch.stop();
    await done;
    expect(events.some((e) => e.event === "run_finished")).toBe(false);
  });
});
