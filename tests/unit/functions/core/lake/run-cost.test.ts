import { describe, expect, it } from "vitest";
import { estimateCost } from "../../../../../functions/core/lake/run-cost.ts";

describe("estimateCost", () => {
  it("is the hourly price times the billed seconds", () => {
    expect(estimateCost("ml.g4dn.xlarge", 3600)).toEqual({
      instance_type: "ml.g4dn.xlarge",
      usd_per_hour: 0.736,
      billed_seconds: 3600,
      usd: 0.736,
      note: null,
    });
    expect(estimateCost("ml.p4d.24xlarge", 90).usd).toBeCloseTo((37.688 * 90) / 3600, 4);
  });
  it("is nothing for a run scored on this machine", () => {
    expect(estimateCost("local", 42)).toEqual({
      instance_type: "local",
      usd_per_hour: 0,
      billed_seconds: 42,
      usd: 0,
      note: "scored on this machine: no SageMaker bill",
    });
  });
  it("says what is missing when it cannot price the run", () => {
    expect(estimateCost("ml.trn1.2xlarge", 10)).toMatchObject({ usd: null, note: expect.stringContaining("no price for ml.trn1.2xlarge") });
    expect(estimateCost(undefined, 10)).toMatchObject({ instance_type: null, usd: null });
  });
});
