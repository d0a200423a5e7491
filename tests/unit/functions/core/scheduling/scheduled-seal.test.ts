import { mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pendingSegmentKey } from "../../../../../functions/core/lake-keys.ts";
import { ScheduleConfigSchema } from "../../../../../functions/core/scheduling/schedule-config.ts";
import type { SealTickEvent } from "../../../../../functions/core/scheduling/events.ts";
import { scheduledSeal } from "../../../../../functions/core/scheduling/scheduled-seal.ts";
import type { ScheduledTrigger } from "../../../../../functions/core/scheduling/seal-policy.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";

let lake: string;
let store: DirectoryObjectStore;
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "goldpipe-tick-"));
  store = new DirectoryObjectStore(lake);
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

const config = ScheduleConfigSchema.parse({
  markets: ["nyse"],
  freshnessMinutes: 15,
  tickMinutes: 5,
  minRunRows: 1000,
  offHoursRunRows: 50,
});

async function landedAt(segmentId: string, iso: string) {
  const time = new Date(iso);
  await utimes(path.join(lake, pendingSegmentKey(segmentId)), time, time);
}

async function tick(now: Date) {
  const sealed: ScheduledTrigger[] = [];
  const events: SealTickEvent[] = [];
  const result = await scheduledSeal({
    store,
    now,
    config,
    shardRows: 40,
    onEvent: (e) => events.push(e),
    seal: async (trigger) => {
      sealed.push(trigger);
      return { runId: "run-1" };
    },
  });
  return { result, sealed, events };
}

describe("one tick of the scheduled seal", () => {
  it("reports the decision and seals nothing when the policy says wait", async () => {
    await store.put(pendingSegmentKey("s1"), '{"id":"a"}\n{"id":"b"}\n');
    await landedAt("s1", "2026-01-13T15:00:00Z");
    // Tuesday 10:01 New York: two headlines a minute old wait for more, or for the freshness target.
    const { result, sealed, events } = await tick(new Date("2026-01-13T15:01:00Z"));
    expect(result.decision.reason).toMatch(/oldest 1.0 min: waiting for 1000 rows/);
    expect(sealed).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        event: "seal_decision",
        seal: false,
        pending_rows: 2,
        pending_segments: 1,
        oldest_pending_at: "2026-01-13T15:00:00.000Z",
      }),
    ]);
  });

  it("seals with the policy's trigger and reports the run it got", async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `{"id":"h${i}"}`).join("\n");
    await store.put(pendingSegmentKey("s1"), rows);
    await landedAt("s1", "2026-01-17T15:00:00Z");
    // Saturday: 60 rows pass the off-hours run size of 50.
    const { result, sealed, events } = await tick(new Date("2026-01-17T15:01:00Z"));
    expect(sealed).toEqual(["size"]);
    expect(result).toMatchObject({ runId: "run-1", pending: { rows: 60, rowsExact: true } });
    expect(events.map((e) => e.event)).toEqual(["seal_decision", "seal_result"]);
    expect(events[1]).toMatchObject({ run_id: "run-1", trigger: "size" });
  });
});
