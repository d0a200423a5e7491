/**
 * Published times in the shapes the dumps use, to UTC ISO 8601 with milliseconds. A value that names
 * no real instant, or one no headline can have (before 1900, days ahead of the ingest clock), is a
 * problem with a reason, never a guess:
 * - ISO 8601: 2024-03-01, 2024-03-01T14:30, 2024-03-01 14:30:00.123+01:00, …Z; no zone means UTC
 * - day first: dd-mm-yyyy, d/m/yyyy, d.m.yyyy, optionally followed by HH:MM[:SS] (UTC)
 * - epoch seconds (9–11 digits) or milliseconds (12–13 digits), as a string or a JSON number
 */

export interface DateProblem {
  reason: DateProblemReason;
  detail: string;
}

export type DateProblemReason = "missing published time" | "unrecognized date" | "impossible date";

/** Earliest year a headline may carry; older ones are garbled (the shared data set has year 0201). */
export const EARLIEST_YEAR = 1900;
/** How far ahead of the ingest clock a headline may be stamped (clock skew, time zones). */
const FUTURE_SLACK_MS = 2 * 86_400_000;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)? ?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const DAY_FIRST = /^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const EPOCH = /^\d{9,13}(?:\.\d+)?$/;

/** `now` is the ingest clock in epoch milliseconds: later than two days past it is impossible. */
export function parsePublishedAt(value: unknown, now: number): string | DateProblem {
  if (typeof value === "number") return fromEpoch(value, String(value), now);
  if (typeof value !== "string") return problem("unrecognized date", `expected a date string or epoch number, got ${describe(value)}`);
  const text = value.trim();
  if (text === "") return problem("missing published time", "the published time is empty");
  const first = text.charCodeAt(0);
  if (first < 48 || first > 57) return problem("unrecognized date", `"${clip(text)}" is not a date`);
  let match = ISO.exec(text);
  if (match) {
    const [, y, mo, d, h, mi, s, fraction, zone] = match;
    const millis = fraction ? Number(fraction.slice(0, 3).padEnd(3, "0")) : 0;
    return fromParts(text, now, +y!, +mo!, +d!, h ? +h : 0, mi ? +mi : 0, s ? +s : 0, millis, zone);
  }
  match = DAY_FIRST.exec(text);
  if (match) {
    const [, d, , mo, y, h, mi, s] = match;
    return fromParts(text, now, +y!, +mo!, +d!, h ? +h : 0, mi ? +mi : 0, s ? +s : 0, 0, undefined);
  }
  if (EPOCH.test(text)) return fromEpoch(Number(text), text, now);
  return problem("unrecognized date", `"${clip(text)}" is not ISO 8601, dd-mm-yyyy, d/m/yyyy or epoch seconds/milliseconds`);
}

function fromParts(
  text: string,
  now: number,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
  zone: string | undefined,
): string | DateProblem {
  if (month < 1 || month > 12) return problem("impossible date", `"${clip(text)}": there is no month ${month}`);
  const daysInMonth = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
  if (day < 1 || day > daysInMonth) {
    return problem("impossible date", `"${clip(text)}": month ${month} of ${year} has no day ${day}`);
  }
  if (hour > 23 || minute > 59 || second > 59) return problem("impossible date", `"${clip(text)}": no such time of day`);
  if (year < EARLIEST_YEAR) return problem("impossible date", `"${clip(text)}" is before ${EARLIEST_YEAR}`);
  let offsetMinutes = 0;
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.length === 6 ? zone.slice(1, 3) + zone.slice(4) : zone.slice(1);
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 14 || minutes > 59) return problem("impossible date", `"${clip(text)}": no such UTC offset ${zone}`);
    offsetMinutes = sign * (hours * 60 + minutes);
  }
  return checkRange(Date.UTC(year, month - 1, day, hour, minute - offsetMinutes, second, millis), text, now);
}

function fromEpoch(value: number, text: string, now: number): string | DateProblem {
  if (!Number.isFinite(value) || value < 0) return problem("unrecognized date", `"${clip(text)}" is not an epoch time`);
  const millis = value >= 1e11 ? value : value * 1000;
  return checkRange(Math.round(millis), text, now);
}

const EARLIEST_MS = Date.UTC(EARLIEST_YEAR, 0, 1);

function checkRange(millis: number, text: string, now: number): string | DateProblem {
  if (millis < EARLIEST_MS) return problem("impossible date", `"${clip(text)}" is before ${EARLIEST_YEAR}`);
  if (millis > now + FUTURE_SLACK_MS) return problem("impossible date", `"${clip(text)}" is in the future`);
  return new Date(millis).toISOString();
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const problem = (reason: DateProblemReason, detail: string): DateProblem => ({ reason, detail });
const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);
const describe = (value: unknown) => (value === null ? "null" : Array.isArray(value) ? "an array" : typeof value);
