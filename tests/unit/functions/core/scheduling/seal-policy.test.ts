import { describe, expect, it } from "vitest";
import { buildCalendar } from "../../../../../functions/core/calendar/calendar.ts";
import { ScheduleConfigSchema } from "../../../../../functions/core/scheduling/schedule-config.ts";
import { decideSeal, sealDecisionEvent, type PendingStats } from "../../../../../functions/core/scheduling/seal-policy.ts";

const config = {
  ...ScheduleConfigSchema.parse({ freshnessMinutes: 15, tickMinutes: 5, minRunRows: 1000, offHoursRunRows: 50000 }),
  shardRows: 5000,
};
const comex = buildCalendar({ markets: ["comex-gold"] });
const minutesBefore = (now: string, minutes: number) => new Date(Date.parse(now) - minutes * 60_000);
const pending = (rows: number, oldestAt: Date | undefined, rowsExact = true): PendingStats => ({
  rows,
  rowsExact,
  segments: rows > 0 ? 1 : 0,
  oldestAt,
});

// Tuesday 13 January 2026, 10:00 New York: inside the COMEX session.
const IN_SESSION = "2026-01-13T15:00:00Z";
// Saturday 17 January 2026, 03:00 New York.
const WEEKEND = "2026-01-17T08:00:00Z";

describe("the seal policy", () => {
  it("does nothing when nothing is pending", () => {
    expect(decideSeal(new Date(IN_SESSION), comex, pending(0, undefined), config)).toEqual({ seal: false, reason: "nothing pending" });
  });

  it("in a session, waits while a few young headlines are below the minimum run size", () => {
    const decision = decideSeal(new Date(IN_SESSION), comex, pending(2, minutesBefore(IN_SESSION, 4)), config);
    expect(decision.seal).toBe(false);
    expect(decision.reason).toMatch(/waiting for 1000 rows or the 15 min freshness target/);
  });

  it("in a session, seals before the oldest headline passes the freshness target at the next tick", () => {
    expect(decideSeal(new Date(IN_SESSION), comex, pending(2, minutesBefore(IN_SESSION, 9.9)), config).seal).toBe(false);
    const decision = decideSeal(new Date(IN_SESSION), comex, pending(2, minutesBefore(IN_SESSION, 10)), config);
    expect(decision).toMatchObject({ seal: true, trigger: "schedule" });
    expect(decision.reason).toMatch(/10\.0 min old and would pass the 15 min freshness target/);
  });

  it("in a session, seals a worthwhile run at once and a full shard as a size run", () => {
    expect(decideSeal(new Date(IN_SESSION), comex, pending(1000, new Date(IN_SESSION)), config)).toMatchObject({
      seal: true,
      trigger: "schedule",
    });
    expect(decideSeal(new Date(IN_SESSION), comex, pending(5000, new Date(IN_SESSION), false), config)).toMatchObject({
      seal: true,
      trigger: "size",
      reason: expect.stringMatching(/^5000\+ pending rows fill a shard/),
    });
  });

  it("seals young headlines when the session closes before the next tick", () => {
    const now = "2026-01-13T21:56:00Z"; // 16:56 New York; the session closes at 17:00
    const decision = decideSeal(new Date(now), comex, pending(3, minutesBefore(now, 1)), config);
    expect(decision).toMatchObject({ seal: true, trigger: "schedule" });
    expect(decision.reason).toMatch(/closes at 2026-01-13T22:00:00.000Z/);
  });

  it("outside every session, leaves stray headlines for the next open, however old", () => {
    const decision = decideSeal(new Date(WEEKEND), comex, pending(2, minutesBefore(WEEKEND, 600)), config);
    expect(decision).toEqual({
      seal: false,
      reason: "markets closed: 2 pending rows wait for the next open at 2026-01-18T23:00:00.000Z unless they reach 50000",
    });
  });

  it("outside every session, seals a backlog that justifies a run", () => {
    expect(decideSeal(new Date(WEEKEND), comex, pending(49_999, new Date(WEEKEND)), config).seal).toBe(false);
    expect(decideSeal(new Date(WEEKEND), comex, pending(50_000, new Date(WEEKEND), false), config)).toMatchObject({
      seal: true,
      trigger: "size",
    });
  });

  it("reports each decision with its reason, the pending figures and the session", () => {
    const stats = pending(2, minutesBefore(IN_SESSION, 12));
    const decision = sealDecisionEvent(new Date(IN_SESSION), comex, stats, decideSeal(new Date(IN_SESSION), comex, stats, config));
    expect(decision).toMatchObject({
      event: "seal_decision",
      at: "2026-01-13T15:00:00.000Z",
      seal: true,
      trigger: "schedule",
      pending_rows: 2,
      oldest_pending_at: "2026-01-13T14:48:00.000Z",
      oldest_pending_seconds: 720,
      session: { market: "comex-gold", trading_day: "2026-01-13", closes_at: "2026-01-13T22:00:00.000Z" },
    });
    expect(decision.reason).toMatch(/freshness target/);
  });
});
