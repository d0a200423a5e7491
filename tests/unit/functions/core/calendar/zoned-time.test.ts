import { describe, expect, it } from "vitest";
import { instantAt, offsetAt, parseTimeOfDay, wallClockAt } from "../../../../../functions/core/calendar/zoned-time.ts";

const NY = "America/New_York";

describe("zoned time from the platform's tz data", () => {
  it("reads New York's offset on both sides of each DST change", () => {
    expect(offsetAt(new Date("2026-03-08T06:59:59Z"), NY)).toBe(-5 * 3_600_000);
    expect(offsetAt(new Date("2026-03-08T07:00:00Z"), NY)).toBe(-4 * 3_600_000);
    expect(offsetAt(new Date("2026-11-01T05:59:59Z"), NY)).toBe(-4 * 3_600_000);
    expect(offsetAt(new Date("2026-11-01T06:00:00Z"), NY)).toBe(-5 * 3_600_000);
  });

  it("maps wall times to instants in winter and summer", () => {
    expect(instantAt({ year: 2026, month: 1, day: 12 }, parseTimeOfDay("09:30"), NY).toISOString()).toBe("2026-01-12T14:30:00.000Z");
    expect(instantAt({ year: 2026, month: 7, day: 13 }, parseTimeOfDay("09:30"), NY).toISOString()).toBe("2026-07-13T13:30:00.000Z");
  });

  it("moves a time skipped by spring-forward past the gap and takes the first of a repeated time", () => {
    expect(instantAt({ year: 2026, month: 3, day: 8 }, parseTimeOfDay("02:30"), NY).toISOString()).toBe("2026-03-08T07:30:00.000Z");
    expect(instantAt({ year: 2026, month: 11, day: 1 }, parseTimeOfDay("01:30"), NY).toISOString()).toBe("2026-11-01T05:30:00.000Z");
  });

  it("gives the wall clock's date across midnight UTC", () => {
    expect(wallClockAt(new Date("2026-01-13T00:30:00Z"), NY)).toEqual({
      date: { year: 2026, month: 1, day: 12 },
      minuteOfDay: 19 * 60 + 30,
    });
  });

  it("rejects a time of day that is not HH:MM", () => {
    expect(() => parseTimeOfDay("9:30")).toThrow(/HH:MM/);
    expect(() => parseTimeOfDay("24:00")).toThrow(/HH:MM/);
  });
});
