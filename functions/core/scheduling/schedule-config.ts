import { z } from "zod";
import { parseConfigText } from "../config-text.ts";
import { CalendarConfigSchema } from "../calendar/calendar.ts";

/**
 * When pending headlines are sealed into a run (docs/scheduling.md). The calendar part says which
 * markets' sessions count as open; the rest are the seal policy's thresholds. The shard size is not
 * here: it is the seal's own (SHARD_SIZE in AWS), and the policy is given the same number.
 */
export const ScheduleConfigSchema = CalendarConfigSchema.extend({
  /** In a session, no headline waits longer than this between landing in pending/ and being sealed. */
  freshnessMinutes: z.number().positive().default(15),
  /** How often the schedule asks the policy (the EventBridge rate; watch's tick). */
  tickMinutes: z.number().positive().default(5),
  /** In a session, this many pending rows are worth a run without waiting for the freshness target. */
  minRunRows: z.number().int().positive().default(1_000),
  /** Outside every session, pending rows wait for the next open unless there are at least this many. */
  offHoursRunRows: z.number().int().positive().default(50_000),
}).superRefine((config, ctx) => {
  if (config.tickMinutes >= config.freshnessMinutes) {
    ctx.addIssue({
      code: "custom",
      path: ["tickMinutes"],
      message: `the schedule must fire more often than the freshness target (${config.freshnessMinutes} min), or headlines wait past it`,
    });
  }
});
export type ScheduleConfig = z.output<typeof ScheduleConfigSchema>;

/** Parses a schedule configuration written as YAML or JSON; `source` names it in the error. */
export function parseScheduleConfig(text: string, source: string): ScheduleConfig {
  return parseConfigText(ScheduleConfigSchema, text, source, "schedule configuration", "see docs/scheduling.md");
}
