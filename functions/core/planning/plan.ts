import { GPU_THROUGHPUT, type GpuThroughput } from "./gpu-throughput.ts";
import { INSTANCE_TYPES, SPOT_SAVING } from "./instance-types.ts";
import type { Capacity } from "../orchestration/run-input.ts";

/**
 * What a SageMaker job spends before the gpu-job's container starts: provisioning the instance and
 * pulling the image, about 5 to 8 minutes (AWS documentation and public reports); the midpoint is
 * planned. Not billed, but every shard's job waits it.
 */
export const JOB_START_SECONDS = 390;
/** Loading the model and initialising CUDA inside the container: billed. An estimate; each job's metrics.json reports it. */
export const MODEL_LOAD_SECONDS = 30;
/** A shard's scoring takes at least as long as its job's start-up, so start-up is at most half of its job's time. */
const MIN_WORK_PER_START = 1;
/** A shard is planned to finish within this share of the job's MaxRuntimeInSeconds. */
const RUNTIME_HEADROOM = 0.8;

export interface PlanRequest {
  headlines: number;
  /** Instances of one type that may run at once: the account's SageMaker quota for it (and the run's max_concurrency). */
  quota: number;
  /** Wall time the run should take, start-up included. */
  deadlineSeconds?: number;
  /** USD the GPU jobs may cost, on the chosen capacity. */
  budgetUsd?: number;
  /** Which price the budget and the recommendation use (both are always shown). */
  capacity?: Capacity;
  /** Each job's MaxRuntimeInSeconds: no shard is planned longer. */
  maxJobSeconds?: number;
}

export interface InstancePlan {
  instance_type: string;
  gpus: number;
  gpu: string;
  /** The whole instance's headlines per second: its GPUs times one GPU's figure. */
  headlines_per_second: number;
  throughput: GpuThroughput;
  instances: number;
  shards: number;
  shard_size: number;
  /** Rounds of jobs: shards beyond the instances wait for the first ones to finish. */
  waves: number;
  wall_seconds: number;
  /** Seconds billed over all jobs: their model loads and their scoring. */
  billed_seconds: number;
  usd_on_demand: number;
  usd_spot: number;
  usd_per_million_on_demand: number;
  usd_per_million_spot: number;
  meets_deadline: boolean | null;
  within_budget: boolean | null;
}

export interface Plan {
  request: Required<Omit<PlanRequest, "deadlineSeconds" | "budgetUsd">> & { deadlineSeconds: number | null; budgetUsd: number | null };
  candidates: InstancePlan[];
  /** The cheapest candidate (on the chosen capacity) that meets the deadline and the budget; null when none does. */
  recommended: string | null;
  assumptions: { job_start_seconds: number; model_load_seconds: number; spot_saving: typeof SPOT_SAVING };
}

const DEFAULT_MAX_JOB_SECONDS = 7200;

/** Instances, shards, wall time and cost of scoring `headlines` on one instance type; undefined for a type goldpipe has no figures for. */
export function planInstanceType(instanceType: string, request: PlanRequest): InstancePlan | undefined {
  const instance = INSTANCE_TYPES[instanceType];
  const throughput = instance && GPU_THROUGHPUT[instance.gpu];
  if (!instance || !throughput) return undefined;
  const rate = instance.gpus * throughput.headlines_per_second;
  const work = request.headlines / rate;
  const maxJobSeconds = request.maxJobSeconds ?? DEFAULT_MAX_JOB_SECONDS;
  const maxShardWork = Math.max(1, maxJobSeconds * RUNTIME_HEADROOM - MODEL_LOAD_SECONDS);
  const overhead = JOB_START_SECONDS + MODEL_LOAD_SECONDS;

  // As many instances as the quota allows while each shard's work still outweighs its start-up;
  // more when the deadline needs them (and the quota has them).
  let instances = Math.max(1, Math.min(request.quota, Math.floor(work / (MIN_WORK_PER_START * JOB_START_SECONDS))));
  if (request.deadlineSeconds !== undefined && request.deadlineSeconds > overhead) {
    instances = Math.max(instances, Math.min(request.quota, Math.ceil(work / (request.deadlineSeconds - overhead))));
  }
  const shards = Math.max(instances, Math.ceil(work / maxShardWork), 1);
  instances = Math.min(instances, shards);
  const shardSize = Math.max(1, Math.ceil(request.headlines / shards));
  const waves = Math.ceil(shards / instances);
  const wallSeconds = waves * (overhead + shardSize / rate);
  const billedSeconds = shards * MODEL_LOAD_SECONDS + work;
  const usdOnDemand = (billedSeconds * instance.usd_per_hour) / 3600;
  const usdSpot = usdOnDemand * (1 - SPOT_SAVING.fraction);
  const chosen = request.capacity === "spot" ? usdSpot : usdOnDemand;
  const perMillion = (usd: number) => (request.headlines > 0 ? round((usd / request.headlines) * 1e6, 4) : 0);
  return {
    instance_type: instanceType,
    gpus: instance.gpus,
    gpu: instance.gpu,
    headlines_per_second: rate,
    throughput,
    instances,
    shards,
    shard_size: shardSize,
    waves,
    wall_seconds: Math.round(wallSeconds),
    billed_seconds: Math.round(billedSeconds),
    usd_on_demand: round(usdOnDemand, 4),
    usd_spot: round(usdSpot, 4),
    usd_per_million_on_demand: perMillion(usdOnDemand),
    usd_per_million_spot: perMillion(usdSpot),
    meets_deadline: request.deadlineSeconds === undefined ? null : wallSeconds <= request.deadlineSeconds,
    within_budget: request.budgetUsd === undefined ? null : chosen <= request.budgetUsd,
  };
}

/** Every known instance type's plan, cheapest first on the chosen capacity, and the one to use. */
export function planRun(request: PlanRequest): Plan {
  const capacity = request.capacity ?? "on-demand";
  const cost = (p: InstancePlan) => (capacity === "spot" ? p.usd_spot : p.usd_on_demand);
  const candidates = Object.keys(INSTANCE_TYPES)
    .map((type) => planInstanceType(type, { ...request, capacity }))
    .filter((p) => p !== undefined)
    .sort((a, b) => cost(a) - cost(b) || a.wall_seconds - b.wall_seconds);
  const fits = candidates.filter((p) => p.meets_deadline !== false && p.within_budget !== false);
  return {
    request: {
      headlines: request.headlines,
      quota: request.quota,
      capacity,
      maxJobSeconds: request.maxJobSeconds ?? DEFAULT_MAX_JOB_SECONDS,
      deadlineSeconds: request.deadlineSeconds ?? null,
      budgetUsd: request.budgetUsd ?? null,
    },
    candidates,
    recommended: fits[0]?.instance_type ?? null,
    assumptions: { job_start_seconds: JOB_START_SECONDS, model_load_seconds: MODEL_LOAD_SECONDS, spot_saving: SPOT_SAVING },
  };
}

/**
 * The shard size seal uses when none is given: the planner's for the run's instance type and quota
 * (max_concurrency), or `fallback` for an instance type without figures (the local runtime's).
 */
export function plannedShardSize(
  rows: number,
  settings: { instance_type: string; quota: number; max_runtime_seconds: number; deadline_seconds?: number },
  fallback: number,
): number {
  const plan = planInstanceType(settings.instance_type, {
    headlines: rows,
    quota: settings.quota,
    maxJobSeconds: settings.max_runtime_seconds,
    deadlineSeconds: settings.deadline_seconds,
  });
  return plan?.shard_size ?? fallback;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
