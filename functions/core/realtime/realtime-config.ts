import { z } from "zod";
import { CalendarConfigSchema } from "../calendar/calendar.ts";
import { parseConfigText } from "../config-text.ts";
import { CriticalRuleSchema } from "./critical-rule.ts";

/**
 * Hybrid routing (docs/realtime.md): during a session of the markets, headlines matching the critical rule
 * go to the real-time endpoint, `batchSize` at a time; the rest, and everything outside sessions, wait for
 * the batch. `REALTIME_CONFIG` in AWS, `--realtime-config FILE` locally; empty means the defaults.
 */
export const RealtimeConfigSchema = CalendarConfigSchema.extend({
  critical: CriticalRuleSchema.default({ sources: [], keywords: [], symbols: [] }),
  batchSize: z.number().int().min(1).max(1000).default(64),
});
export type RealtimeConfig = z.output<typeof RealtimeConfigSchema>;

export function parseRealtimeConfig(text: string, source: string): RealtimeConfig {
  return parseConfigText(RealtimeConfigSchema, text, source, "real-time configuration", "see docs/realtime.md");
}
