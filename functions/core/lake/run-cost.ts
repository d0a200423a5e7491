/**
 * On-demand SageMaker Processing prices in USD per instance-hour (us-east-1, list prices when this
 * table was written). Other regions and newer prices differ: the estimate is a guide, the bill is
 * the truth. Add an instance type here to get estimates for it.
 */
export const PROCESSING_USD_PER_HOUR: Readonly<Record<string, number>> = {
  "ml.g4dn.xlarge": 0.736,
  "ml.g4dn.2xlarge": 1.053,
  "ml.g5.xlarge": 1.408,
  "ml.g5.2xlarge": 1.515,
  "ml.p3.2xlarge": 3.825,
  "ml.p4d.24xlarge": 37.688,
};

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
  const price = PROCESSING_USD_PER_HOUR[instanceType];
  if (price === undefined) {
    return {
      instance_type: instanceType,
      usd_per_hour: null,
      billed_seconds: seconds,
      usd: null,
      note: `no price for ${instanceType} in PROCESSING_USD_PER_HOUR (functions/core/lake/run-cost.ts)`,
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
