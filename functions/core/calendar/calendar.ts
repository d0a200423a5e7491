import { z } from "zod";
import { BadInputError } from "../errors.ts";
import { addDays, dayNumber, formatCivilDate, weekdayOf, type CivilDate } from "./civil-date.ts";
import { dateInYear, observedDate } from "./holiday-rules.ts";
import { BUILT_IN_MARKETS, MarketDefinitionSchema, resolveMarket, type Market } from "./market.ts";
import { instantAt, parseTimeOfDay, wallClockAt } from "./zoned-time.ts";

/** One trading day's session of one market. */
export interface Session {
  market: string;
  /** The trading day, YYYY-MM-DD in the market's zone (an overnight session opens the day before). */
  tradingDay: string;
  opensAt: Date;
  closesAt: Date;
  /** The early close rule that shortened the session, if one did. */
  earlyClose?: string;
}

/** When markets are open. Every query takes an instant; nothing reads the system clock. */
export interface Calendar {
  readonly markets: readonly string[];
  /** The session open at the instant (opensAt ≤ instant < closesAt), else undefined. */
  sessionAt(instant: Date): Session | undefined;
  isOpen(instant: Date): boolean;
  /** The first session that opens after the instant. */
  nextSession(instant: Date): Session | undefined;
  nextOpen(instant: Date): Date | undefined;
  /** The session of a trading day, or undefined on a weekend or a holiday. */
  sessionOn(tradingDay: CivilDate): Session | undefined;
}

/** Which markets count as open (any of them), plus markets defined in the configuration. */
export const CalendarConfigSchema = z.strictObject({
  markets: z.array(z.string().min(1)).min(1).default(["comex-gold"]),
  customMarkets: z.array(MarketDefinitionSchema).default([]),
});
export type CalendarConfig = z.input<typeof CalendarConfigSchema>;

/** How far ahead nextSession looks before deciding a market never opens again. */
const LOOKAHEAD_DAYS = 370;

/** The calendar of the configured markets; other fields of a larger configuration are ignored. */
export function buildCalendar(config: CalendarConfig = {}): Calendar {
  const parsed = CalendarConfigSchema.parse({ markets: config.markets, customMarkets: config.customMarkets });
  const known = new Map<string, Market>();
  for (const definition of Object.values(BUILT_IN_MARKETS))
    known.set(definition.name, resolveMarket(MarketDefinitionSchema.parse(definition)));
  for (const definition of parsed.customMarkets) known.set(definition.name, resolveMarket(definition));
  const calendars = parsed.markets.map((name) => {
    const market = known.get(name);
    if (!market) {
      throw new BadInputError(
        `unknown market "${name}" in the calendar configuration`,
        `use one of ${[...known.keys()].join(", ")}, or define it under customMarkets`,
      );
    }
    return marketCalendar(market);
  });
  return calendars.length === 1 ? calendars[0]! : unionCalendar(calendars);
}

export function marketCalendar(market: Market): Calendar {
  const open = parseTimeOfDay(market.open);
  const close = parseTimeOfDay(market.close);
  const overnight = open >= close;
  const tradingDays = new Set(market.tradingDays);
  const holidaysByYear = new Map<number, Set<number>>();

  const isHoliday = (day: CivilDate) => {
    let holidays = holidaysByYear.get(day.year);
    if (!holidays) {
      // A holiday observed across New Year (a Saturday 1 January observed on 31 December) belongs to the next year's rule.
      holidays = new Set(
        market.holidays.flatMap((rule) =>
          [day.year - 1, day.year, day.year + 1].flatMap((year) => {
            const date = observedDate(rule, year);
            return date && date.year === day.year ? [dayNumber(date)] : [];
          }),
        ),
      );
      holidaysByYear.set(day.year, holidays);
    }
    return holidays.has(dayNumber(day));
  };
  const trades = (day: CivilDate) => tradingDays.has(weekdayOf(day)) && !isHoliday(day);
  const earlyCloseOn = (day: CivilDate) =>
    market.earlyCloses.find((rule) =>
      [day.year - 1, day.year, day.year + 1].some((year) => {
        const date = dateInYear(rule.date, year);
        return date !== undefined && dayNumber(addDays(date, rule.offsetDays)) === dayNumber(day);
      }),
    );

  const sessionOn = (day: CivilDate): Session | undefined => {
    if (!trades(day)) return undefined;
    const early = earlyCloseOn(day);
    return {
      market: market.name,
      tradingDay: formatCivilDate(day),
      opensAt: instantAt(overnight ? addDays(day, -1) : day, open, market.timeZone),
      closesAt: instantAt(day, early ? parseTimeOfDay(early.close) : close, market.timeZone),
      ...(early ? { earlyClose: early.name } : {}),
    };
  };

  const sessionAt = (instant: Date) => {
    const today = wallClockAt(instant, market.timeZone).date;
    for (const day of overnight ? [today, addDays(today, 1)] : [today]) {
      const session = sessionOn(day);
      if (session && session.opensAt <= instant && instant < session.closesAt) return session;
    }
    return undefined;
  };

  const nextSession = (instant: Date) => {
    const today = wallClockAt(instant, market.timeZone).date;
    for (let offset = 0; offset <= LOOKAHEAD_DAYS; offset++) {
      const session = sessionOn(addDays(today, offset));
      if (session && session.opensAt > instant) return session;
    }
    return undefined;
  };

  return {
    markets: [market.name],
    sessionOn,
    sessionAt,
    isOpen: (instant) => sessionAt(instant) !== undefined,
    nextSession,
    nextOpen: (instant) => nextSession(instant)?.opensAt,
  };
}

/**
 * Open when any of the calendars is open. Where sessions overlap, sessionAt gives the one that
 * stays open longest, so its closesAt is when the union can next close.
 */
export function unionCalendar(calendars: readonly Calendar[]): Calendar {
  const earliest = (sessions: (Session | undefined)[]) =>
    sessions.reduce<Session | undefined>((best, s) => (s && (!best || s.opensAt < best.opensAt) ? s : best), undefined);
  const sessionAt = (instant: Date) =>
    calendars
      .map((calendar) => calendar.sessionAt(instant))
      .reduce<Session | undefined>((best, s) => (s && (!best || s.closesAt > best.closesAt) ? s : best), undefined);
  const nextSession = (instant: Date) => earliest(calendars.map((calendar) => calendar.nextSession(instant)));
  return {
    markets: calendars.flatMap((calendar) => calendar.markets),
    sessionOn: (day) => earliest(calendars.map((calendar) => calendar.sessionOn(day))),
    sessionAt,
    isOpen: (instant) => sessionAt(instant) !== undefined,
    nextSession,
    nextOpen: (instant) => nextSession(instant)?.opensAt,
  };
}
