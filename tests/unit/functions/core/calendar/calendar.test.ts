import { describe, expect, it } from "vitest";
import { buildCalendar, type Calendar } from "../../../../../functions/core/calendar/calendar.ts";
import { BadInputError } from "../../../../../functions/core/errors.ts";

const at = (iso: string) => new Date(iso);
const iso = (date: Date | undefined) => date?.toISOString();

const comex = buildCalendar({ markets: ["comex-gold"] });
const nyse = buildCalendar({ markets: ["nyse"] });

function tradingDays(calendar: Calendar, from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T12:00:00Z`); t <= Date.parse(`${to}T12:00:00Z`); t += 86_400_000) {
    const d = new Date(t);
    const session = calendar.sessionOn({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
    if (session) days.push(session.tradingDay);
  }
  return days;
}

describe("NYSE calendar", () => {
  it("opens 09:30–16:00 New York time on both sides of the spring DST change", () => {
    const friday = nyse.sessionAt(at("2026-03-06T15:00:00Z"));
    expect([iso(friday?.opensAt), iso(friday?.closesAt)]).toEqual(["2026-03-06T14:30:00.000Z", "2026-03-06T21:00:00.000Z"]);
    expect(iso(nyse.nextOpen(at("2026-03-06T21:00:00Z")))).toBe("2026-03-09T13:30:00.000Z");
    expect(nyse.isOpen(at("2026-03-09T13:29:59Z"))).toBe(false);
    expect(nyse.isOpen(at("2026-03-09T13:30:00Z"))).toBe(true);
  });

  it("follows the autumn DST change", () => {
    expect(iso(nyse.sessionAt(at("2026-10-30T19:59:00Z"))?.closesAt)).toBe("2026-10-30T20:00:00.000Z");
    expect(iso(nyse.nextOpen(at("2026-10-30T20:00:00Z")))).toBe("2026-11-02T14:30:00.000Z");
  });

  it("is closed on every 2026 holiday, observed Independence Day included", () => {
    const closed = [
      "2026-01-01",
      "2026-01-19",
      "2026-02-16",
      "2026-04-03",
      "2026-05-25",
      "2026-06-19",
      "2026-07-03",
      "2026-09-07",
      "2026-11-26",
      "2026-12-25",
    ];
    const weekdays = tradingDays(nyse, "2026-01-01", "2026-12-31");
    for (const day of closed) expect(weekdays).not.toContain(day);
    expect(weekdays).toHaveLength(261 - closed.length);
  });

  it("closes on Good Friday, computed from Easter", () => {
    expect(nyse.isOpen(at("2026-04-03T15:00:00Z"))).toBe(false);
    expect(iso(nyse.nextOpen(at("2026-04-02T21:00:00Z")))).toBe("2026-04-06T13:30:00.000Z");
    expect(nyse.isOpen(at("2027-03-26T15:00:00Z"))).toBe(false);
  });

  it("closes at 13:00 the day after Thanksgiving and on Christmas Eve", () => {
    const blackFriday = nyse.sessionAt(at("2026-11-27T17:59:00Z"));
    expect(blackFriday).toMatchObject({ tradingDay: "2026-11-27", earlyClose: "Day after Thanksgiving" });
    expect(iso(blackFriday?.closesAt)).toBe("2026-11-27T18:00:00.000Z");
    expect(nyse.isOpen(at("2026-11-27T18:00:00Z"))).toBe(false);
    expect(iso(nyse.sessionOn({ year: 2026, month: 12, day: 24 })?.closesAt)).toBe("2026-12-24T18:00:00.000Z");
  });

  it("closes early on 3 July only when it is a trading day", () => {
    expect(nyse.sessionOn({ year: 2025, month: 7, day: 3 })?.earlyClose).toBe("Day before Independence Day");
    expect(iso(nyse.sessionOn({ year: 2025, month: 7, day: 3 })?.closesAt)).toBe("2025-07-03T17:00:00.000Z");
    expect(nyse.sessionOn({ year: 2026, month: 7, day: 2 })?.earlyClose).toBeUndefined();
    expect(nyse.sessionOn({ year: 2026, month: 7, day: 3 })).toBeUndefined();
  });

  it("handles New Year: observed Monday after a Sunday, and open on 31 December before a Saturday New Year's Day", () => {
    expect(iso(nyse.nextOpen(at("2026-12-31T21:00:00Z")))).toBe("2027-01-04T14:30:00.000Z");
    expect(nyse.sessionOn({ year: 2023, month: 1, day: 2 })).toBeUndefined();
    expect(nyse.sessionOn({ year: 2021, month: 12, day: 31 })?.tradingDay).toBe("2021-12-31");
    expect(nyse.sessionOn({ year: 2027, month: 12, day: 31 })?.tradingDay).toBe("2027-12-31");
  });
});

describe("COMEX gold calendar", () => {
  it("runs Sunday 18:00 to Friday 17:00 New York time with the daily 17:00–18:00 break", () => {
    expect(comex.isOpen(at("2026-01-11T22:59:00Z"))).toBe(false);
    const monday = comex.sessionAt(at("2026-01-11T23:00:00Z"));
    expect(monday?.tradingDay).toBe("2026-01-12");
    expect(iso(monday?.closesAt)).toBe("2026-01-12T22:00:00.000Z");
    expect(comex.isOpen(at("2026-01-12T22:30:00Z"))).toBe(false);
    expect(iso(comex.nextOpen(at("2026-01-12T22:30:00Z")))).toBe("2026-01-12T23:00:00.000Z");
    expect(iso(comex.nextOpen(at("2026-01-16T22:00:00Z")))).toBe("2026-01-18T23:00:00.000Z");
    expect(comex.isOpen(at("2026-01-17T12:00:00Z"))).toBe(false);
  });

  it("keeps a session that spans midnight UTC as one session of the next trading day", () => {
    const session = comex.sessionAt(at("2026-01-13T00:30:00Z"));
    expect(session?.tradingDay).toBe("2026-01-13");
    expect(iso(session?.opensAt)).toBe("2026-01-12T23:00:00.000Z");
    expect(comex.sessionAt(at("2026-01-13T21:59:59Z"))?.tradingDay).toBe("2026-01-13");
  });

  it("opens at 18:00 New York time on the Sundays of both DST changes", () => {
    expect(iso(comex.nextOpen(at("2026-03-06T22:00:00Z")))).toBe("2026-03-08T22:00:00.000Z");
    expect(iso(comex.sessionOn({ year: 2026, month: 3, day: 6 })?.closesAt)).toBe("2026-03-06T22:00:00.000Z");
    expect(iso(comex.nextOpen(at("2026-10-30T21:00:00Z")))).toBe("2026-11-01T23:00:00.000Z");
  });

  it("is closed for Good Friday, Christmas and New Year's Day", () => {
    expect(iso(comex.sessionAt(at("2026-04-02T20:00:00Z"))?.closesAt)).toBe("2026-04-02T21:00:00.000Z");
    expect(comex.isOpen(at("2026-04-02T23:00:00Z"))).toBe(false);
    expect(iso(comex.nextOpen(at("2026-04-02T21:00:00Z")))).toBe("2026-04-05T22:00:00.000Z");
    expect(iso(comex.nextOpen(at("2026-12-24T22:00:00Z")))).toBe("2026-12-27T23:00:00.000Z");
    expect(iso(comex.nextOpen(at("2026-12-31T22:00:00Z")))).toBe("2027-01-03T23:00:00.000Z");
  });
});

describe("calendar configuration", () => {
  it("takes a market defined in configuration, alone or together with a built-in one", () => {
    const london = {
      name: "lbma-london",
      timeZone: "Europe/London",
      tradingDays: ["mon", "tue", "wed", "thu", "fri"] as const,
      open: "08:00",
      close: "16:30",
      holidays: [{ name: "Boxing Day", date: { month: 12, day: 26 }, observed: { saturday: "none" as const, sunday: "monday" as const } }],
    };
    const both = buildCalendar({ markets: ["lbma-london", "nyse"], customMarkets: [{ ...london, tradingDays: [...london.tradingDays] }] });
    expect(both.markets).toEqual(["lbma-london", "nyse"]);
    expect(both.sessionAt(at("2026-07-13T07:30:00Z"))?.market).toBe("lbma-london");
    // Both open: the session that stays open longer speaks for the union.
    expect(both.sessionAt(at("2026-07-13T14:00:00Z"))?.market).toBe("nyse");
    expect(both.isOpen(at("2025-12-26T09:00:00Z"))).toBe(false);
    expect(iso(both.nextOpen(at("2026-07-13T21:00:00Z")))).toBe("2026-07-14T07:00:00.000Z");
  });

  it("names the known markets when asked for an unknown one", () => {
    expect(() => buildCalendar({ markets: ["lse"] })).toThrow(BadInputError);
    expect(() => buildCalendar({ markets: ["lse"] })).toThrow(/unknown market "lse"/);
  });

  it("rejects an unknown time zone and an early close outside the session", () => {
    const base = { name: "x", timeZone: "America/New_York", tradingDays: ["mon" as const], open: "09:30", close: "16:00" };
    expect(() => buildCalendar({ markets: ["x"], customMarkets: [{ ...base, timeZone: "Mars/Olympus" }] })).toThrow(/IANA time zone/);
    expect(() =>
      buildCalendar({
        markets: ["x"],
        customMarkets: [{ ...base, earlyCloses: [{ name: "late", date: { month: 1, day: 5 }, close: "17:00" }] }],
      }),
    ).toThrow(/inside the session/);
  });
});
