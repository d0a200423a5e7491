import { describe, expect, it } from "vitest";
import { BadInputError } from "../../../../functions/core/errors.ts";
import { dateOption } from "../../../../local/cli/range-options.ts";

describe("dateOption", () => {
  it("passes a calendar day and an option not given", () => {
    expect(dateOption("from", "2024-02-29")).toBe("2024-02-29");
    expect(dateOption("from", undefined)).toBeUndefined();
  });

  it("refuses a day that cannot be, saying how to write one", () => {
    expect(() => dateOption("to", "2023-02-29")).toThrow(BadInputError);
    expect(() => dateOption("to", "1/3/2024")).toThrow("--to 1/3/2024 is not a calendar date");
  });
});
