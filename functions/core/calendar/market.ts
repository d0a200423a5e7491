import { z } from "zod";
import { WEEKDAYS } from "./civil-date.ts";
import { DateRuleSchema, HolidayRuleSchema, US_EXCHANGE_HOLIDAYS, type BuiltInHoliday, type HolidayRule } from "./holiday-rules.ts";
import { assertTimeZone, parseTimeOfDay } from "./zoned-time.ts";

const TimeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time of day as HH:MM, 24-hour clock");

/** A shortened session: on the day the rule gives (plus offsetDays), if that day trades, it closes at `close`. */
export const EarlyCloseRuleSchema = z.strictObject({
  name: z.string().min(1),
  date: DateRuleSchema,
  offsetDays: z.number().int().min(-7).max(7).default(0),
  close: TimeOfDaySchema,
});
export type EarlyCloseRule = z.infer<typeof EarlyCloseRuleSchema>;

/** NYSE's 1 p.m. closes, each only when the day is a trading day (never on a weekend or a holiday). */
export const US_EXCHANGE_EARLY_CLOSES = {
  "day-before-independence-day": { name: "Day before Independence Day", date: { month: 7, day: 4 }, offsetDays: -1, close: "13:00" },
  "day-after-thanksgiving": { name: "Day after Thanksgiving", date: US_EXCHANGE_HOLIDAYS.thanksgiving.date, offsetDays: 1, close: "13:00" },
  "christmas-eve": { name: "Christmas Eve", date: { month: 12, day: 24 }, offsetDays: 0, close: "13:00" },
} as const satisfies Record<string, EarlyCloseRule>;

const builtInNames = <T extends Record<string, unknown>>(rules: T) =>
  z.enum(Object.keys(rules) as [keyof T & string, ...(keyof T & string)[]]);

/**
 * A market's sessions as data. Each trading day has one session from `open` to `close` in the
 * market's time zone; when `open` is not before `close` the session is overnight and opens the
 * calendar day before its trading day (COMEX: Monday's session opens Sunday 18:00). Holidays remove
 * a trading day's session; early closes shorten it. Rules are built-in names or written out.
 */
export const MarketDefinitionSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lower-case letters, digits and dashes"),
    description: z.string().default(""),
    timeZone: z.string().refine(isKnownTimeZone, "an IANA time zone this platform knows, e.g. America/New_York"),
    tradingDays: z.array(z.enum(WEEKDAYS)).min(1),
    open: TimeOfDaySchema,
    close: TimeOfDaySchema,
    holidays: z.array(z.union([builtInNames(US_EXCHANGE_HOLIDAYS), HolidayRuleSchema])).default([]),
    earlyCloses: z.array(z.union([builtInNames(US_EXCHANGE_EARLY_CLOSES), EarlyCloseRuleSchema])).default([]),
  })
  .superRefine((market, ctx) => {
    const open = parseTimeOfDay(market.open);
    const close = parseTimeOfDay(market.close);
    market.earlyCloses.forEach((rule, index) => {
      if (typeof rule === "string") return;
      const early = parseTimeOfDay(rule.close);
      if (early >= close || (open < close && early <= open)) {
        ctx.addIssue({
          code: "custom",
          path: ["earlyCloses", index, "close"],
          message: `an early close must fall inside the session (${market.open}–${market.close})`,
        });
      }
    });
  });
export type MarketDefinitionInput = z.input<typeof MarketDefinitionSchema>;

/** A market definition with its rules written out. */
export interface Market {
  name: string;
  description: string;
  timeZone: string;
  tradingDays: readonly (typeof WEEKDAYS)[number][];
  open: string;
  close: string;
  holidays: readonly HolidayRule[];
  earlyCloses: readonly EarlyCloseRule[];
}

export function resolveMarket(input: z.output<typeof MarketDefinitionSchema>): Market {
  return {
    ...input,
    holidays: input.holidays.map((rule) => (typeof rule === "string" ? US_EXCHANGE_HOLIDAYS[rule as BuiltInHoliday] : rule)),
    earlyCloses: input.earlyCloses.map((rule) =>
      typeof rule === "string" ? US_EXCHANGE_EARLY_CLOSES[rule as keyof typeof US_EXCHANGE_EARLY_CLOSES] : rule,
    ),
  };
}

export const BUILT_IN_MARKETS = {
  "comex-gold": {
    name: "comex-gold",
    description: "COMEX gold futures on CME Globex: Sunday 18:00 to Friday 17:00 New York time, daily break 17:00–18:00",
    timeZone: "America/New_York",
    tradingDays: ["mon", "tue", "wed", "thu", "fri"],
    open: "18:00",
    close: "17:00",
    holidays: ["new-years-day", "good-friday", "christmas"],
  },
  nyse: {
    name: "nyse",
    description: "New York Stock Exchange regular hours: 09:30–16:00 New York time, NYSE holidays and 13:00 early closes",
    timeZone: "America/New_York",
    tradingDays: ["mon", "tue", "wed", "thu", "fri"],
    open: "09:30",
    close: "16:00",
    holidays: Object.keys(US_EXCHANGE_HOLIDAYS) as BuiltInHoliday[],
    earlyCloses: Object.keys(US_EXCHANGE_EARLY_CLOSES) as (keyof typeof US_EXCHANGE_EARLY_CLOSES)[],
  },
} as const satisfies Record<string, MarketDefinitionInput>;

function isKnownTimeZone(timeZone: string): boolean {
  try {
    assertTimeZone(timeZone);
    return true;
  } catch {
    return false;
  }
}
