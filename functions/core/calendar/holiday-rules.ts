import { z } from "zod";
import { addDays, daysInMonth, weekdayOf, WEEKDAYS, type CivilDate } from "./civil-date.ts";

/**
 * How a holiday's date is found in a year, as data: a fixed month and day, the n-th (or last, n = −1)
 * weekday of a month, or a number of days from Western Easter Sunday.
 */
export const DateRuleSchema = z.union([
  z.strictObject({ month: z.number().int().min(1).max(12), day: z.number().int().min(1).max(31) }),
  z.strictObject({
    month: z.number().int().min(1).max(12),
    weekday: z.enum(WEEKDAYS),
    nth: z.union([z.literal(-1), z.number().int().min(1).max(5)]),
  }),
  z.strictObject({ easterOffset: z.number().int().min(-60).max(60) }),
]);
export type DateRule = z.infer<typeof DateRuleSchema>;

/** Where a holiday that falls on a weekend is observed; "none" means not at all. */
export const ObservedRuleSchema = z.strictObject({
  saturday: z.enum(["friday", "none"]).default("none"),
  sunday: z.enum(["monday", "none"]).default("none"),
});

export const HolidayRuleSchema = z.strictObject({
  name: z.string().min(1),
  date: DateRuleSchema,
  observed: ObservedRuleSchema.optional(),
  /** First and last year the rule applies (Juneteenth from 2022). */
  fromYear: z.number().int().optional(),
  untilYear: z.number().int().optional(),
});
export type HolidayRule = z.infer<typeof HolidayRuleSchema>;

/** Western (Gregorian) Easter Sunday: the anonymous Gregorian computus (Meeus/Jones/Butcher). */
export function easterSunday(year: number): CivilDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { year, month, day };
}

/** The rule's date in the year, before any weekend observance; undefined when the month has no such day. */
export function dateInYear(rule: DateRule, year: number): CivilDate | undefined {
  if ("easterOffset" in rule) return addDays(easterSunday(year), rule.easterOffset);
  if ("day" in rule) return rule.day <= daysInMonth(year, rule.month) ? { year, month: rule.month, day: rule.day } : undefined;
  const target = WEEKDAYS.indexOf(rule.weekday);
  if (rule.nth === -1) {
    const last: CivilDate = { year, month: rule.month, day: daysInMonth(year, rule.month) };
    return addDays(last, -((WEEKDAYS.indexOf(weekdayOf(last)) - target + 7) % 7));
  }
  const first: CivilDate = { year, month: rule.month, day: 1 };
  const day = 1 + ((target - WEEKDAYS.indexOf(weekdayOf(first)) + 7) % 7) + 7 * (rule.nth - 1);
  return day <= daysInMonth(year, rule.month) ? { year, month: rule.month, day } : undefined;
}

/** The day the market is closed for the holiday in the year, after weekend observance; undefined when none. */
export function observedDate(rule: HolidayRule, year: number): CivilDate | undefined {
  if ((rule.fromYear !== undefined && year < rule.fromYear) || (rule.untilYear !== undefined && year > rule.untilYear)) {
    return undefined;
  }
  const date = dateInYear(rule.date, year);
  if (!date) return undefined;
  const weekday = weekdayOf(date);
  if (weekday === "sat") return rule.observed?.saturday === "friday" ? addDays(date, -1) : undefined;
  if (weekday === "sun") return rule.observed?.sunday === "monday" ? addDays(date, 1) : undefined;
  return date;
}

const WEEKEND_TO_NEAREST = { saturday: "friday", sunday: "monday" } as const;

/**
 * US exchange holidays (NYSE Rule 7.2; CME follows the same dates). A Saturday holiday is observed
 * the Friday before and a Sunday holiday the Monday after, except New Year's Day: NYSE does not
 * close on the Friday before a Saturday New Year's Day, the last trading day of the year.
 */
export const US_EXCHANGE_HOLIDAYS = {
  "new-years-day": { name: "New Year's Day", date: { month: 1, day: 1 }, observed: { saturday: "none", sunday: "monday" } },
  "martin-luther-king-day": { name: "Martin Luther King Jr. Day", date: { month: 1, weekday: "mon", nth: 3 }, fromYear: 1998 },
  "washingtons-birthday": { name: "Washington's Birthday (Presidents' Day)", date: { month: 2, weekday: "mon", nth: 3 } },
  "good-friday": { name: "Good Friday", date: { easterOffset: -2 } },
  "memorial-day": { name: "Memorial Day", date: { month: 5, weekday: "mon", nth: -1 } },
  juneteenth: { name: "Juneteenth National Independence Day", date: { month: 6, day: 19 }, observed: WEEKEND_TO_NEAREST, fromYear: 2022 },
  "independence-day": { name: "Independence Day", date: { month: 7, day: 4 }, observed: WEEKEND_TO_NEAREST },
  "labor-day": { name: "Labor Day", date: { month: 9, weekday: "mon", nth: 1 } },
  thanksgiving: { name: "Thanksgiving Day", date: { month: 11, weekday: "thu", nth: 4 } },
  christmas: { name: "Christmas Day", date: { month: 12, day: 25 }, observed: WEEKEND_TO_NEAREST },
} as const satisfies Record<string, HolidayRule>;

export type BuiltInHoliday = keyof typeof US_EXCHANGE_HOLIDAYS;
