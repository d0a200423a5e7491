import { describe, expect, it } from "vitest";
import { BadInputError } from "../../../../../functions/core/errors.ts";
import { parseScheduleConfig } from "../../../../../functions/core/scheduling/schedule-config.ts";

describe("the schedule configuration", () => {
  it("has defaults for everything", () => {
    expect(parseScheduleConfig("", "defaults")).toEqual({
      markets: ["comex-gold"],
      customMarkets: [],
      freshnessMinutes: 15,
      tickMinutes: 5,
      minRunRows: 1000,
      offHoursRunRows: 50000,
    });
  });

  it("reads YAML and JSON", () => {
    expect(parseScheduleConfig("markets: [nyse]\nfreshnessMinutes: 10\n", "schedule.yaml")).toMatchObject({
      markets: ["nyse"],
      freshnessMinutes: 10,
    });
    expect(parseScheduleConfig('{"minRunRows": 200}', "SCHEDULE_CONFIG")).toMatchObject({ minRunRows: 200, markets: ["comex-gold"] });
  });

  it("says which file and which field is wrong", () => {
    expect(() => parseScheduleConfig("freshnesMinutes: 10", "schedule.yaml")).toThrow(BadInputError);
    expect(() => parseScheduleConfig("freshnesMinutes: 10", "schedule.yaml")).toThrow(
      /schedule.yaml is not a valid schedule configuration.*freshnesMinutes/,
    );
    expect(() => parseScheduleConfig("tickMinutes: 20", "schedule.yaml")).toThrow(/more often than the freshness target/);
    expect(() => parseScheduleConfig("markets: [", "schedule.yaml")).toThrow(/schedule.yaml is not YAML or JSON/);
  });
});
