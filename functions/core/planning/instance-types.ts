/**
 * The SageMaker GPU instance types goldpipe knows: their GPUs and on-demand price. The same prices
 * serve the planner (`goldpipe plan`, seal) and the run report's cost (functions/core/lake/run-cost.ts).
 * Processing and Training jobs cost the same per hour on these types. Your bill is the truth.
 */
export interface InstanceType {
  gpus: number;
  /** A key of GPU_THROUGHPUT (gpu-throughput.ts). */
  gpu: string;
  /** On-demand USD per instance-hour, us-east-1. */
  usd_per_hour: number;
  price_source: string;
}

const LISTED = "SageMaker on-demand list price, us-east-1, as first recorded in this repository (2026)";
const NOT_RECHECKED =
  "SageMaker on-demand price, us-east-1, recorded 2026-11 without access to the price list from the development machines: " +
  "check aws.amazon.com/sagemaker/pricing before relying on it";

export const INSTANCE_TYPES: Readonly<Record<string, InstanceType>> = {
  "ml.g4dn.xlarge": { gpus: 1, gpu: "T4", usd_per_hour: 0.736, price_source: LISTED },
  "ml.g4dn.2xlarge": { gpus: 1, gpu: "T4", usd_per_hour: 1.053, price_source: LISTED },
  "ml.g4dn.12xlarge": { gpus: 4, gpu: "T4", usd_per_hour: 4.89, price_source: NOT_RECHECKED },
  "ml.g5.xlarge": { gpus: 1, gpu: "A10G", usd_per_hour: 1.408, price_source: LISTED },
  "ml.g5.2xlarge": { gpus: 1, gpu: "A10G", usd_per_hour: 1.515, price_source: LISTED },
  "ml.g5.12xlarge": { gpus: 4, gpu: "A10G", usd_per_hour: 7.09, price_source: NOT_RECHECKED },
  "ml.g5.48xlarge": { gpus: 8, gpu: "A10G", usd_per_hour: 20.36, price_source: NOT_RECHECKED },
  "ml.p3.2xlarge": { gpus: 1, gpu: "V100", usd_per_hour: 3.825, price_source: LISTED },
  "ml.p4d.24xlarge": { gpus: 8, gpu: "A100", usd_per_hour: 37.688, price_source: LISTED },
  "ml.p5.48xlarge": { gpus: 8, gpu: "H100", usd_per_hour: 113.07, price_source: NOT_RECHECKED },
};

/**
 * Managed spot capacity's price below on-demand, for planning only. The run report measures each
 * spot run's real saving from SageMaker's BillableTimeInSeconds against TrainingTimeInSeconds.
 */
export const SPOT_SAVING = {
  fraction: 0.7,
  source:
    "the scaling guide goldpipe follows (spot about 70% cheaper than on-demand; AWS quotes up to 90%, varying by type, " +
    "region and hour): an estimate",
} as const;
