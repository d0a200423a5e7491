import { INSTANCE_TYPES } from "../planning/instance-types.ts";

/** The instance type the local runtime gives its runs: scored on this machine, nothing billed. */
export const LOCAL_INSTANCE_TYPE = "local";

export interface CostEstimate {
  instance_type: string | null;
  usd_per_hour: number | null;
  /** The GPU jobs' own seconds (model load and scoring): a lower bound, the container's start is billed too. */
  billed_seconds: number;
  /** usd_per_hour × billed_seconds, or null when the price is unknown. */
  usd: number | null;
  note: string | null;
}

export function estimateCost(instanceType: string | undefined, billedSeconds: number): CostEstimate {
  const seconds = Math.round(billedSeconds * 1000) / 1000;
  if (!instanceType) {
    return { instance_type: null, usd_per_hour: null, billed_seconds: seconds, usd: null, note: "the run's instance type was not given" };
  }
  if (instanceType === LOCAL_INSTANCE_TYPE) {
    return {
      instance_type: instanceType,
      usd_per_hour: 0,
      billed_seconds: seconds,
      usd: 0,
      note: "scored on this machine: no SageMaker bill",
    };
  }
  const price = INSTANCE_TYPES[instanceType]?.usd_per_hour;
  if (price === undefined) {
    return {
      instance_type: instanceType,
      usd_per_hour: null,
      billed_seconds: seconds,
      usd: null,
      note: `no price for ${instanceType} in INSTANCE_TYPES (functions/core/planning/instance-types.ts)`,
    };
  }
  return {
    instance_type: instanceType,
    usd_per_hour: price,
    billed_seconds: seconds,
    usd: Math.round(((price * billedSeconds) / 3600) * 10_000) / 10_000,
    note: null,
  };
}
