import type { CivilDate } from "./civil-date.ts";

/** A wall-clock time of day, in minutes after midnight (09:30 → 570). */
export type MinuteOfDay = number;

export function parseTimeOfDay(text: string): MinuteOfDay {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!match) throw new RangeError(`"${text}" is not a time of day as HH:MM (00:00–23:59)`);
  return Number(match[1]) * 60 + Number(match[2]);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws a RangeError naming the zone when the platform's tz data does not know it. */
export function assertTimeZone(timeZone: string): void {
  formatterFor(timeZone);
}

export interface WallClock {
  date: CivilDate;
  minuteOfDay: MinuteOfDay;
}

/** What a clock on the wall in the zone shows at the instant (to the second, seconds dropped). */
export function wallClockAt(instant: Date, timeZone: string): WallClock {
  const fields = wallFields(instant, timeZone);
  return { date: { year: fields.year, month: fields.month, day: fields.day }, minuteOfDay: fields.hour * 60 + fields.minute };
}

/** The zone's offset from UTC at the instant, in milliseconds (New York in winter: −5 h). */
export function offsetAt(instant: Date, timeZone: string): number {
  const f = wallFields(instant, timeZone);
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  return asUtc - (instant.getTime() - instant.getUTCMilliseconds());
}

/**
 * The instant the zone's wall clock shows the date and time. A time skipped by a spring-forward
 * change maps to the instant just after the gap (02:30 → 03:30 in New York); a time repeated by a
 * fall-back change maps to its first occurrence.
 */
export function instantAt(date: CivilDate, minuteOfDay: MinuteOfDay, timeZone: string): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day, Math.floor(minuteOfDay / 60), minuteOfDay % 60);
  const offsetBefore = offsetAt(new Date(wall - 86_400_000 / 2), timeZone);
  const offsetAfter = offsetAt(new Date(wall + 86_400_000 / 2), timeZone);
  // Earlier offset first: for a repeated time that is the first occurrence.
  for (const offset of [offsetBefore, offsetAfter]) {
    const candidate = new Date(wall - offset);
    if (offsetAt(candidate, timeZone) === offset) return candidate;
  }
  // In the gap: neither offset gives back the wall time; the clock jumps past it by the change.
  return new Date(wall - offsetBefore);
}

function wallFields(instant: Date, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}
