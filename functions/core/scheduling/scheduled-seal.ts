import { buildCalendar, type Calendar } from "../calendar/calendar.ts";
import type { ObjectStore } from "../ports.ts";
import { pendingStats } from "./pending-stats.ts";
import type { ScheduleConfig } from "./schedule-config.ts";
import type { SealTickEvent } from "./events.ts";
import { decideSeal, sealDecisionEvent, type PendingStats, type ScheduledTrigger, type SealDecision } from "./seal-policy.ts";

/** Seals what is pending into a run with the trigger; undefined when, by then, nothing was left to seal. */
export type SealPending = (trigger: ScheduledTrigger) => Promise<{ runId: string } | undefined>;

export interface ScheduledSealResult {
  decision: SealDecision;
  pending: PendingStats;
  runId: string | undefined;
}

/** One tick of the schedule: measure pending/, ask the policy, report the decision, seal when it says so and report the run. */
export async function scheduledSeal(request: {
  store: ObjectStore;
  now: Date;
  config: ScheduleConfig;
  /** The shard size the seal uses. */
  shardRows: number;
  calendar?: Calendar;
  seal: SealPending;
  onEvent: (e: SealTickEvent) => void;
}): Promise<ScheduledSealResult> {
  const { store, now, seal, onEvent } = request;
  const thresholds = { ...request.config, shardRows: request.shardRows };
  const calendar = request.calendar ?? buildCalendar(request.config);
  const pending = await pendingStats(store, Math.max(thresholds.minRunRows, thresholds.shardRows, thresholds.offHoursRunRows));
  const decision = decideSeal(now, calendar, pending, thresholds);
  onEvent(sealDecisionEvent(now, calendar, pending, decision));
  if (!decision.seal) return { decision, pending, runId: undefined };
  const sealed = await seal(decision.trigger);
  onEvent({ event: "seal_result", at: now.toISOString(), trigger: decision.trigger, run_id: sealed?.runId ?? null });
  return { decision, pending, runId: sealed?.runId };
}
