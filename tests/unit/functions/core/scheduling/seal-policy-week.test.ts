import { describe, expect, it } from "vitest";
import { buildCalendar, type Calendar } from "../../../../../functions/core/calendar/calendar.ts";
import { ScheduleConfigSchema } from "../../../../../functions/core/scheduling/schedule-config.ts";
import { decideSeal, type ScheduledTrigger, type SealThresholds } from "../../../../../functions/core/scheduling/seal-policy.ts";

/**
 * A simulated week: headlines land around the clock (a trickle, busier in New York's day, plus a
 * weekend backfill and an in-session burst), the schedule ticks every tickMinutes on an injected
 * clock, and each tick asks the policy with the pending figures a lake would show.
 */
const MINUTE = 60_000;
const config = {
  ...ScheduleConfigSchema.parse({ freshnessMinutes: 15, tickMinutes: 5, minRunRows: 1000, offHoursRunRows: 50000 }),
  shardRows: 5000,
};

interface Arrival {
  at: number;
  rows: number;
  sealedAt?: number;
}
interface Run {
  at: number;
  trigger: ScheduledTrigger;
  rows: number;
  oldestAt: number;
}
interface Tick {
  at: number;
  seal: boolean;
  rows: number;
  oldestAt: number | undefined;
}

function trickle(from: number, to: number, seed: number): Arrival[] {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const arrivals: Arrival[] = [];
  for (let at = from; at < to; ) {
    const nyHour = (new Date(at).getUTCHours() + 19) % 24;
    const busy = nyHour >= 7 && nyHour < 18;
    at += Math.ceil(random() * (busy ? 6 : 45)) * MINUTE + Math.floor(random() * MINUTE);
    arrivals.push({ at, rows: 1 + Math.floor(random() * (busy ? 40 : 3)) });
  }
  return arrivals;
}

function simulate(calendar: Calendar, from: string, to: string, extra: Arrival[]) {
  const start = Date.parse(from);
  const end = Date.parse(to);
  const arrivals = [...trickle(start, end, 7), ...extra].filter((a) => a.at < end).sort((a, b) => a.at - b.at);
  const runs: Run[] = [];
  const ticks: Tick[] = [];
  let landed = 0;
  for (let now = start; now <= end; now += config.tickMinutes * MINUTE) {
    while (landed < arrivals.length && arrivals[landed]!.at <= now) landed++;
    const pending = arrivals.slice(0, landed).filter((a) => a.sealedAt === undefined);
    const rows = pending.reduce((sum, a) => sum + a.rows, 0);
    const oldestAt = pending[0]?.at;
    const decision = decideSeal(
      new Date(now),
      calendar,
      { rows, rowsExact: true, segments: pending.length, oldestAt: oldestAt === undefined ? undefined : new Date(oldestAt) },
      config,
    );
    ticks.push({ at: now, seal: decision.seal, rows, oldestAt });
    if (decision.seal) {
      for (const a of pending) a.sealedAt = now;
      runs.push({ at: now, trigger: decision.trigger, rows, oldestAt: oldestAt! });
    }
  }
  return { arrivals, runs, ticks, end };
}

/** A tick is due, by the rules of docs/scheduling.md, exactly when one of them holds. */
function ruleSaysSeal(calendar: Calendar, tick: Tick, settings: SealThresholds): boolean {
  if (tick.rows === 0) return false;
  const session = calendar.sessionAt(new Date(tick.at));
  if (!session) return tick.rows >= settings.offHoursRunRows;
  const age = (tick.at - tick.oldestAt!) / MINUTE;
  return (
    tick.rows >= settings.minRunRows ||
    age + settings.tickMinutes >= settings.freshnessMinutes ||
    session.closesAt.getTime() <= tick.at + settings.tickMinutes * MINUTE
  );
}

function expectFreshness(calendar: Calendar, sim: ReturnType<typeof simulate>) {
  const firstTickAtOrAfter = (t: number) => sim.ticks.find((tick) => tick.at >= t)?.at;
  for (const arrival of sim.arrivals) {
    const session = calendar.sessionAt(new Date(arrival.at));
    const tickInSession = firstTickAtOrAfter(arrival.at);
    if (session && tickInSession !== undefined && tickInSession < session.closesAt.getTime()) {
      // Landed in a session with a tick still to come in it: sealed within the freshness target.
      expect(arrival.sealedAt, `headline landing ${new Date(arrival.at).toISOString()}`).toBeDefined();
      expect(arrival.sealedAt! - arrival.at).toBeLessThanOrEqual(config.freshnessMinutes * MINUTE);
    } else {
      // Landed off-hours (or after the session's last tick): sealed by the first tick of the next session.
      const open = calendar.nextOpen(new Date(arrival.at))!.getTime();
      const due = firstTickAtOrAfter(open);
      if (due === undefined) continue;
      expect(arrival.sealedAt, `headline landing ${new Date(arrival.at).toISOString()}`).toBeDefined();
      expect(arrival.sealedAt!).toBeLessThanOrEqual(due);
    }
  }
}

describe("a simulated week of COMEX gold sessions across the spring DST change", () => {
  const comex = buildCalendar({ markets: ["comex-gold"] });
  // Friday 6 March 2026 to Sunday 15 March 2026 (UTC); DST starts Sunday 8 March.
  const saturdayBackfill = { at: Date.parse("2026-03-07T15:00:00Z"), rows: 60_000 };
  const tuesdayBurst = { at: Date.parse("2026-03-10T14:02:00Z"), rows: 7_000 };
  const sim = simulate(comex, "2026-03-06T00:00:00Z", "2026-03-15T00:00:00Z", [saturdayBackfill, tuesdayBurst]);

  it("seals at exactly the ticks the rules call for", () => {
    for (const tick of sim.ticks) expect(tick.seal, new Date(tick.at).toISOString()).toBe(ruleSaysSeal(comex, tick, config));
  });

  it("runs outside a session only for a backlog that justifies one", () => {
    const offHours = sim.runs.filter((run) => !comex.isOpen(new Date(run.at)));
    expect(offHours).toHaveLength(1);
    expect(offHours[0]).toMatchObject({ at: Date.parse("2026-03-07T15:00:00Z"), trigger: "size" });
    expect(offHours[0]!.rows).toBeGreaterThanOrEqual(60_000);
  });

  it("leaves the weekend's stray headlines for Sunday's 18:00 open, an hour earlier in UTC after the change", () => {
    const afterBackfill = sim.runs.filter((run) => run.at > Date.parse("2026-03-07T15:00:00Z"));
    expect(new Date(afterBackfill[0]!.at).toISOString()).toBe("2026-03-08T22:00:00.000Z");
    expect(afterBackfill[0]!.oldestAt).toBeLessThan(Date.parse("2026-03-08T00:00:00Z"));
  });

  it("uses every trigger: a full shard in session as size, the rest as schedule", () => {
    expect(sim.runs.find((run) => run.at === Date.parse("2026-03-10T14:05:00Z"))).toMatchObject({ trigger: "size" });
    expect(sim.runs.filter((run) => run.trigger === "schedule").length).toBeGreaterThan(100);
  });

  it("never lets a headline that lands in a session wait past the freshness target", () => {
    expectFreshness(comex, sim);
  });

  it("loses nothing: every headline is sealed once or still pending at the end", () => {
    const sealed = sim.runs.reduce((sum, run) => sum + run.rows, 0);
    const pending = sim.arrivals.filter((a) => a.sealedAt === undefined).reduce((sum, a) => sum + a.rows, 0);
    expect(sealed + pending).toBe(sim.arrivals.reduce((sum, a) => sum + a.rows, 0));
    // What is left landed after the last tick of the week's last session and waits for Sunday's open.
    const openTicks = sim.ticks.filter((tick) => comex.isOpen(new Date(tick.at)));
    expect(sim.arrivals.filter((a) => a.sealedAt === undefined).every((a) => a.at > openTicks.at(-1)!.at)).toBe(true);
  });
});

describe("a simulated NYSE Thanksgiving week", () => {
  const nyse = buildCalendar({ markets: ["nyse"] });
  const sim = simulate(nyse, "2026-11-23T00:00:00Z", "2026-11-30T16:00:00Z", []);

  it("seals at exactly the ticks the rules call for", () => {
    for (const tick of sim.ticks) expect(tick.seal, new Date(tick.at).toISOString()).toBe(ruleSaysSeal(nyse, tick, config));
  });

  it("runs nothing on Thanksgiving or after Friday's 13:00 close until Monday's open", () => {
    const quiet = sim.runs.filter((run) => run.at >= Date.parse("2026-11-25T21:00:00Z") && run.at < Date.parse("2026-11-27T14:30:00Z"));
    expect(quiet).toEqual([]);
    const fridayLast = sim.runs.filter((run) => run.at < Date.parse("2026-11-30T00:00:00Z")).at(-1)!;
    expect(fridayLast.at).toBeLessThan(Date.parse("2026-11-27T18:00:00Z"));
    const monday = sim.runs.find((run) => run.at >= Date.parse("2026-11-28T00:00:00Z"))!;
    expect(new Date(monday.at).toISOString()).toBe("2026-11-30T14:30:00.000Z");
  });

  it("never lets a headline that lands in a session wait past the freshness target", () => {
    expectFreshness(nyse, sim);
  });
});
