import { describe, expect, it } from "vitest";
import { formatCivilDate } from "../../../../../functions/core/calendar/civil-date.ts";
import {
  easterSunday,
  observedDate,
  US_EXCHANGE_HOLIDAYS,
  type HolidayRule,
} from "../../../../../functions/core/calendar/holiday-rules.ts";

const observed = (rule: HolidayRule, year: number) => {
  const date = observedDate(rule, year);
  return date && formatCivilDate(date);
};

describe("holiday rules", () => {
  it("computes Western Easter Sunday", () => {
    const known = {
      2019: "2019-04-21",
      2024: "2024-03-31",
      2025: "2025-04-20",
      2026: "2026-04-05",
      2027: "2027-03-28",
      2038: "2038-04-25",
      2285: "2285-03-22",
    };
    for (const [year, date] of Object.entries(known)) expect(formatCivilDate(easterSunday(Number(year)))).toBe(date);
  });

  it("finds the n-th and the last weekday of a month", () => {
    expect(observed(US_EXCHANGE_HOLIDAYS["martin-luther-king-day"], 2026)).toBe("2026-01-19");
    expect(observed(US_EXCHANGE_HOLIDAYS["memorial-day"], 2026)).toBe("2026-05-25");
    expect(observed(US_EXCHANGE_HOLIDAYS["memorial-day"], 2027)).toBe("2027-05-31");
    expect(observed(US_EXCHANGE_HOLIDAYS.thanksgiving, 2026)).toBe("2026-11-26");
    expect(observed(US_EXCHANGE_HOLIDAYS["labor-day"], 2026)).toBe("2026-09-07");
  });

  it("observes weekend holidays on the nearest weekday, except a Saturday New Year's Day", () => {
    expect(observed(US_EXCHANGE_HOLIDAYS["independence-day"], 2026)).toBe("2026-07-03");
    expect(observed(US_EXCHANGE_HOLIDAYS["independence-day"], 2027)).toBe("2027-07-05");
    expect(observed(US_EXCHANGE_HOLIDAYS.christmas, 2027)).toBe("2027-12-24");
    expect(observed(US_EXCHANGE_HOLIDAYS["new-years-day"], 2023)).toBe("2023-01-02");
    expect(observed(US_EXCHANGE_HOLIDAYS["new-years-day"], 2022)).toBeUndefined();
  });

  it("applies a rule only in its years", () => {
    expect(observed(US_EXCHANGE_HOLIDAYS.juneteenth, 2021)).toBeUndefined();
    expect(observed(US_EXCHANGE_HOLIDAYS.juneteenth, 2022)).toBe("2022-06-20");
    expect(observed(US_EXCHANGE_HOLIDAYS.juneteenth, 2027)).toBe("2027-06-18");
  });
});
