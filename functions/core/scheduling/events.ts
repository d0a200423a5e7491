import { z } from "zod";
import type { ScheduledTrigger } from "./seal-policy.ts";

/**
 * The scheduled-seal function's event: EventBridge's scheduled event. Only its kind is checked: the
 * tick's now is the invocation's clock, the one S3 stamps segments with; its id ties the tick's log lines.
 */
export const ScheduledEventSchema = z.looseObject({ "detail-type": z.literal("Scheduled Event"), id: z.string().optional() });
export type ScheduledEvent = z.output<typeof ScheduledEventSchema>;

/** The policy's word on one tick: what was pending, in which session, and why it seals or waits. */
export interface SealDecisionEvent {
  event: "seal_decision";
  at: string;
  seal: boolean;
  trigger: ScheduledTrigger | null;
  reason: string;
  pending_rows: number;
  pending_rows_exact: boolean;
  pending_segments: number;
  oldest_pending_at: string | null;
  /** How long the oldest pending headline has waited; the stack's dashboard charts it (OldestPendingHeadlineSeconds). */
  oldest_pending_seconds: number | null;
  session: { market: string; trading_day: string; closes_at: string } | null;
}

/** The run a sealing tick started; run_id is null when, by then, nothing was left to seal. */
export interface SealResultEvent {
  event: "seal_result";
  at: string;
  trigger: ScheduledTrigger;
  run_id: string | null;
}

/** What one tick of the scheduled seal reports, for the Lambda's log and for watch. */
export type SealTickEvent = SealDecisionEvent | SealResultEvent;

/** The event in words, for a log line's message. */
export function sealTickMessage(e: SealTickEvent): string {
  if (e.event === "seal_decision") return `${e.seal ? "seal" : "wait"}: ${e.reason}`;
  return e.run_id ? `sealed run ${e.run_id} (${e.trigger})` : "nothing was left to seal";
}
