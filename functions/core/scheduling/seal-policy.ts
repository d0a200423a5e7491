import type { Calendar, Session } from "../calendar/calendar.ts";
import type { SealDecisionEvent } from "./events.ts";
import type { ScheduleConfig } from "./schedule-config.ts";

/** What is waiting in pending/ (see pending-stats.ts). */
export interface PendingStats {
  /** Rows counted; when rowsExact is false there are at least this many (counting stops once every threshold is passed). */
  rows: number;
  rowsExact: boolean;
  segments: number;
  /** When the oldest pending segment landed; undefined when nothing is pending. */
  oldestAt: Date | undefined;
}

export type ScheduledTrigger = "schedule" | "size";

export type SealDecision = { seal: true; trigger: ScheduledTrigger; reason: string } | { seal: false; reason: string };

export type SealThresholds = Pick<ScheduleConfig, "freshnessMinutes" | "tickMinutes" | "minRunRows" | "offHoursRunRows"> & {
  /** The seal's shard size: in a session, a full shard is sealed at once. */
  shardRows: number;
};

const MINUTE = 60_000;

/**
 * Whether to seal what is pending now. In a session: a full shard seals at once (size); otherwise it
 * seals when the oldest headline would pass the freshness target before the next tick, when the
 * session closes before the next tick, or when there are enough rows for a worthwhile run (schedule).
 * Outside every session, pending rows wait for the next open unless they reach offHoursRunRows (size).
 */
export function decideSeal(now: Date, calendar: Calendar, pending: PendingStats, config: SealThresholds): SealDecision {
  const rows = `${pending.rows}${pending.rowsExact ? "" : "+"} pending row${pending.rows === 1 && pending.rowsExact ? "" : "s"}`;
  if (pending.rows === 0) return { seal: false, reason: "nothing pending" };
  const session = calendar.sessionAt(now);
  if (!session) {
    if (pending.rows >= config.offHoursRunRows) {
      return {
        seal: true,
        trigger: "size",
        reason: `markets closed, but ${rows} reach the off-hours run size (${config.offHoursRunRows})`,
      };
    }
    const next = calendar.nextOpen(now);
    return {
      seal: false,
      reason:
        `markets closed: ${rows} wait for the next open${next ? ` at ${next.toISOString()}` : ""} ` +
        `unless they reach ${config.offHoursRunRows}`,
    };
  }
  const open = `${session.market} session of ${session.tradingDay}`;
  if (pending.rows >= config.shardRows) {
    return { seal: true, trigger: "size", reason: `${rows} fill a shard (${config.shardRows}) in the ${open}` };
  }
  const nextTick = new Date(now.getTime() + config.tickMinutes * MINUTE);
  const ageMinutes = Math.max(0, now.getTime() - (pending.oldestAt ?? now).getTime()) / MINUTE;
  if (ageMinutes + config.tickMinutes >= config.freshnessMinutes) {
    return {
      seal: true,
      trigger: "schedule",
      reason:
        `the oldest of ${rows} is ${ageMinutes.toFixed(1)} min old and would pass ` +
        `the ${config.freshnessMinutes} min freshness target before the next tick (${open})`,
    };
  }
  if (session.closesAt <= nextTick) {
    return { seal: true, trigger: "schedule", reason: `${rows} sealed before the ${open} closes at ${session.closesAt.toISOString()}` };
  }
  if (pending.rows >= config.minRunRows) {
    return { seal: true, trigger: "schedule", reason: `${rows} make a worthwhile run (${config.minRunRows}) in the ${open}` };
  }
  return {
    seal: false,
    reason:
      `${rows}, oldest ${ageMinutes.toFixed(1)} min: waiting for ${config.minRunRows} rows ` +
      `or the ${config.freshnessMinutes} min freshness target (${open})`,
  };
}

/** One decision as the tick reports it, with the pending figures and the session it was taken in. */
export function sealDecisionEvent(now: Date, calendar: Calendar, pending: PendingStats, decision: SealDecision): SealDecisionEvent {
  const session: Session | undefined = calendar.sessionAt(now);
  return {
    event: "seal_decision",
    at: now.toISOString(),
    seal: decision.seal,
    trigger: decision.seal ? decision.trigger : null,
    reason: decision.reason,
    pending_rows: pending.rows,
    pending_rows_exact: pending.rowsExact,
    pending_segments: pending.segments,
    oldest_pending_at: pending.oldestAt?.toISOString() ?? null,
    oldest_pending_seconds: pending.oldestAt ? Math.max(0, Math.round((now.getTime() - pending.oldestAt.getTime()) / 1000)) : null,
    session: session ? { market: session.market, trading_day: session.tradingDay, closes_at: session.closesAt.toISOString() } : null,
  };
}
