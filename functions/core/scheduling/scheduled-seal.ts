import { buildCalendar, type Calendar } from "../calendar/calendar.ts";
import type { ObjectStore } from "../ports.ts";
import { pendingStats } from "./pending-stats.ts";
import type { ScheduleConfig } from "./schedule-config.ts";
import { decideSeal, sealDecisionLogLine, type PendingStats, type ScheduledTrigger, type SealDecision } from "./seal-policy.ts";

/** Seals what is pending into a run with the trigger; undefined when, by then, nothing was left to seal. */
export type SealPending = (trigger: ScheduledTrigger) => Promise<{ runId: string } | undefined>;

export interface ScheduledSealResult {
  decision: SealDecision;
  pending: PendingStats;
  runId: string | undefined;
}

/** One tick of the schedule: measure pending/, ask the policy, log the decision, seal when it says so. */
export async function scheduledSeal(request: {
  store: ObjectStore;
  now: Date;
  config: ScheduleConfig;
  /** The shard size the seal uses. */
  shardRows: number;
  calendar?: Calendar;
  seal: SealPending;
  log: (line: string) => void;
}): Promise<ScheduledSealResult> {
  const { store, now, seal, log } = request;
  const thresholds = { ...request.config, shardRows: request.shardRows };
  const calendar = request.calendar ?? buildCalendar(request.config);
  const pending = await pendingStats(store, Math.max(thresholds.minRunRows, thresholds.shardRows, thresholds.offHoursRunRows));
  const decision = decideSeal(now, calendar, pending, thresholds);
  log(sealDecisionLogLine(now, calendar, pending, decision));
  if (!decision.seal) return { decision, pending, runId: undefined };
  const sealed = await seal(decision.trigger);
  log(JSON.stringify({ event: "seal_result", at: now.toISOString(), trigger: decision.trigger, run_id: sealed?.runId ?? null }));
  return { decision, pending, runId: sealed?.runId };
}
