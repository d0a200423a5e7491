import type { Capacity } from "../orchestration/run-input.ts";
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

/** A spot shard's job as SageMaker described it (runs/<run_id>/shard-billing/<n>.json). */
export interface SpotBilling {
  training_seconds: number;
  billable_seconds: number;
}

export interface RunCost extends CostEstimate {
  capacity: Capacity;
  /** Seconds the jobs ran: on spot, SageMaker's TrainingTimeInSeconds summed; on demand, the billed seconds. */
  total_seconds: number;
  /** Spot: 1 − billable ÷ total, in percent (SageMaker's own saving formula); null on demand. */
  saving_percent: number | null;
  usd_per_million_headlines: number | null;
}

/**
 * The run's GPU cost. On demand: the price × the jobs' own seconds (a lower bound). On spot: the
 * price × the billable seconds SageMaker reported for the shards' jobs, against the seconds they ran.
 */
export function runCost(request: {
  instanceType: string | undefined;
  capacity: Capacity;
  jobSeconds: number;
  spot: readonly SpotBilling[];
  headlinesScored: number;
}): RunCost {
  const billedBySageMaker = request.capacity === "spot" && request.spot.length > 0;
  const total = billedBySageMaker ? request.spot.reduce((sum, b) => sum + b.training_seconds, 0) : request.jobSeconds;
  const billed = billedBySageMaker ? request.spot.reduce((sum, b) => sum + b.billable_seconds, 0) : request.jobSeconds;
  const estimate = estimateCost(request.instanceType, billed);
  return {
    ...estimate,
    capacity: request.capacity,
    total_seconds: Math.round(total * 1000) / 1000,
    saving_percent: billedBySageMaker && total > 0 ? Math.round((1 - billed / total) * 1000) / 10 : null,
    usd_per_million_headlines:
      estimate.usd === null || request.headlinesScored === 0
        ? null
        : Math.round((estimate.usd / request.headlinesScored) * 1e6 * 10_000) / 10_000,
  };
}
