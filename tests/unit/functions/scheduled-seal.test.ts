import { mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pendingSegmentKey, RUNS_PREFIX } from "../../../functions/core/lake-keys.ts";
import { readManifest, type RunManifest } from "../../../functions/core/orchestration/manifest.ts";
import type { SealTickEvent } from "../../../functions/core/scheduling/events.ts";
import { buildCalendar } from "../../../functions/core/calendar/calendar.ts";
import { handler, scheduledSealTick } from "../../../functions/scheduled-seal.ts";
import { DirectoryObjectStore } from "../../../local/adapters/directory-object-store.ts";
import { LocalWorkflow } from "../../../local/adapters/local-workflow.ts";
import { headline, putSegment, SEAL_FUNCTION_ENV } from "../../support/run-fixtures.ts";

const ENV = { ...SEAL_FUNCTION_ENV };

let lake: string;
let store: DirectoryObjectStore;
let started: { name: string; input: unknown }[];
let workflow: LocalWorkflow;
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "goldpipe-scheduled-seal-"));
  store = new DirectoryObjectStore(lake);
  started = [];
  workflow = new LocalWorkflow(async (name, input) => {
    started.push({ name, input });
    return {};
  });
  await putSegment(
    store,
    "seg-1",
    [0, 1, 2].map((i) =>
      headline(`h${i}`, { published_at: "2026-01-13T14:00:00.000Z", origin: { file: "incoming/news.csv", line: i + 2 } }),
    ),
  );
  const landed = new Date("2026-01-13T15:00:00Z");
  await utimes(path.join(lake, pendingSegmentKey("seg-1")), landed, landed);
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

describe("the scheduled-seal function", () => {
  it("seals pending headlines through the seal core when the policy says so, and the run records the trigger", async () => {
    const events: SealTickEvent[] = [];
    // 10:12 New York: the oldest headline is 12 minutes old, due before the next tick.
    const answer = await scheduledSealTick(
      { store, workflow },
      { now: new Date("2026-01-13T15:12:00Z"), env: ENV, onEvent: (e) => events.push(e) },
    );
    expect(answer).toMatchObject({ seal: true, run_id: expect.stringMatching(/^run-/) });
    expect(answer.reason).toMatch(/freshness target/);
    const manifest = await readManifest(store, answer.run_id!);
    expect(manifest).toMatchObject({ trigger: "schedule", rows: 3, shard_size: 5 });
    expect(manifest!.shards).toHaveLength(1);
    expect(started).toHaveLength(1);
    expect(started[0]!.input).toMatchObject({ bucket: "goldpipe-test-lake", run_id: answer.run_id });
    expect(await store.head(pendingSegmentKey("seg-1"))).toBeUndefined();
    expect(events.map((e) => e.event)).toEqual(["seal_decision", "seal_result"]);
  });

  it("leaves pending headlines alone on a weekend, per SCHEDULE_CONFIG", async () => {
    const answer = await scheduledSealTick(
      { store, workflow },
      {
        now: new Date("2026-01-17T15:00:00Z"),
        env: { ...ENV, SCHEDULE_CONFIG: "markets: [nyse]\noffHoursRunRows: 100\n" },
        onEvent: () => {},
      },
    );
    expect(answer).toEqual({
      seal: false,
      reason: expect.stringMatching(/^markets closed: 3 pending rows wait for the next open at 2026-01-20T14:30:00.000Z/),
      run_id: null,
    });
    expect(started).toEqual([]);
    expect(await store.head(pendingSegmentKey("seg-1"))).toBeDefined();
  });

  it("answers a bad SCHEDULE_CONFIG with what is wrong in it", async () => {
    await expect(
      scheduledSealTick({ store, workflow }, { now: new Date(), env: { ...ENV, SCHEDULE_CONFIG: "markets: [lse]" }, onEvent: () => {} }),
    ).rejects.toThrow(/unknown market "lse"/);
  });

  it("takes only EventBridge's scheduled events", async () => {
    await expect(handler({ "detail-type": "Object Created" }, {} as Context)).rejects.toThrow(/Scheduled Event/);
  });
});

describe("a simulated NYSE trading day through the function, on the directory store and the seal core", () => {
  it("seals by the rules, records each run's trigger, and seals every in-session headline within the freshness target", async () => {
    await store.delete(pendingSegmentKey("seg-1"));
    const nyse = buildCalendar({ markets: ["nyse"] });
    const env = {
      ...ENV,
      SHARD_SIZE: "40",
      SCHEDULE_CONFIG: "markets: [nyse]\nfreshnessMinutes: 15\nminRunRows: 30\noffHoursRunRows: 60\n",
    };
    const MINUTE = 60_000;
    // Tuesday 13 January 2026 from 08:00 to 17:00 New York; a segment of 1–6 headlines every 7 minutes, a burst of 45 at 11:02.
    const start = Date.parse("2026-01-13T13:00:00Z");
    const end = Date.parse("2026-01-13T22:00:00Z");
    const landings: { id: string; at: number; rows: number }[] = [];
    for (let at = start + 2 * MINUTE, i = 0; at < end; at += 7 * MINUTE, i++) landings.push({ id: `seg-${i}`, at, rows: 1 + (i % 6) });
    landings.push({ id: "seg-burst", at: Date.parse("2026-01-13T16:02:00Z"), rows: 45 });
    landings.sort((a, b) => a.at - b.at);

    let landed = 0;
    let counter = 0;
    for (let now = start; now <= end; now += 5 * MINUTE) {
      for (; landed < landings.length && landings[landed]!.at <= now; landed++) {
        const { id, at, rows } = landings[landed]!;
        await putSegment(
          store,
          id,
          Array.from({ length: rows }, () => headline(`h${counter++}`)),
        );
        await utimes(path.join(lake, pendingSegmentKey(id)), new Date(at), new Date(at));
      }
      await scheduledSealTick({ store, workflow }, { now: new Date(now), env, onEvent: () => {} });
    }

    const manifests: RunManifest[] = [];
    for await (const object of store.list(RUNS_PREFIX)) {
      if (object.key.endsWith("/manifest.json")) manifests.push((await readManifest(store, object.key.split("/")[1]!))!);
    }
    expect(manifests.length).toBe(started.length);
    expect(new Set(manifests.map((m) => m.trigger))).toEqual(new Set(["schedule", "size"]));
    for (const manifest of manifests) expect(nyse.isOpen(new Date(manifest.created_at)), manifest.created_at).toBe(true);
    const sealedAt = new Map(manifests.flatMap((m) => m.segments.map((id) => [id, Date.parse(m.created_at)] as const)));
    for (const { id, at } of landings) {
      if (at < Date.parse("2026-01-13T14:30:00Z")) {
        // Before the 09:30 open: sealed at the open's first tick.
        expect(sealedAt.get(id), id).toBe(Date.parse("2026-01-13T14:30:00Z"));
      } else if (at < Date.parse("2026-01-13T20:55:00Z")) {
        expect(sealedAt.get(id)! - at, id).toBeLessThanOrEqual(15 * MINUTE);
      }
    }
    expect(manifests.reduce((sum, m) => sum + m.rows, 0)).toBe(
      landings.filter(({ id }) => sealedAt.has(id)).reduce((sum, l) => sum + l.rows, 0),
    );
  });
});
