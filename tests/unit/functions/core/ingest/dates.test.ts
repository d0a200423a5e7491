import { describe, expect, it } from "vitest";
import { parsePublishedAt } from "../../../../../functions/core/ingest/dates.ts";

const NOW = Date.parse("2026-01-15T12:00:00Z");
const parse = (value: unknown) => parsePublishedAt(value, NOW);

describe("parsePublishedAt", () => {
  it.each([
    ["2024-03-01T14:30:00Z", "2024-03-01T14:30:00.000Z"],
    ["2024-03-01T14:30:00.123456Z", "2024-03-01T14:30:00.123Z"],
    ["2024-03-01T09:30:00-05:00", "2024-03-01T14:30:00.000Z"],
    ["2024-03-01T22:30:00+0800", "2024-03-01T14:30:00.000Z"],
    ["2024-03-01 14:30", "2024-03-01T14:30:00.000Z"],
    ["2024-03-01", "2024-03-01T00:00:00.000Z"],
    ["19-11-2018", "2018-11-19T00:00:00.000Z"],
    ["7/4/2017", "2017-04-07T00:00:00.000Z"],
    ["07.04.2017 10:15", "2017-04-07T10:15:00.000Z"],
    ["29-02-2024", "2024-02-29T00:00:00.000Z"],
    ["1709303400", "2024-03-01T14:30:00.000Z"],
    ["1709303400000", "2024-03-01T14:30:00.000Z"],
    [1709303400, "2024-03-01T14:30:00.000Z"],
    [1709303400123, "2024-03-01T14:30:00.123Z"],
    ["  2024-03-01T14:30:00Z  ", "2024-03-01T14:30:00.000Z"],
  ])("reads %j as %s", (input, expected) => {
    expect(parse(input)).toBe(expected);
  });

  it.each([
    ["0201-04-20", "impossible date", /before 1900/],
    ["31-02-2019", "impossible date", /month 2 of 2019 has no day 31/],
    ["29-02-2023", "impossible date", /no day 29/],
    ["4/13/2017", "impossible date", /no month 13/],
    ["2024-03-01T25:00:00Z", "impossible date", /time of day/],
    ["2024-03-01T10:00:00+15:00", "impossible date", /offset/],
    ["2031-01-01", "impossible date", /in the future/],
    ["next tuesday", "unrecognized date", /not a date/],
    ["2024/03/01", "unrecognized date", /not ISO 8601/],
    ["", "missing published time", /empty/],
    [true, "unrecognized date", /got boolean/],
    [-5, "unrecognized date", /epoch/],
  ])("refuses %j: %s", (input, reason, detail) => {
    const result = parse(input);
    expect(result).toMatchObject({ reason });
    expect((result as { detail: string }).detail).toMatch(detail);
  });

  it("allows a little clock skew ahead of the ingest clock", () => {
    expect(parse("2026-01-16T00:00:00Z")).toBe("2026-01-16T00:00:00.000Z");
  });
});
