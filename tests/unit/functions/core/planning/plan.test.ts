import { describe, expect, it } from "vitest";
import { GPU_THROUGHPUT } from "../../../../../functions/core/planning/gpu-throughput.ts";
import { INSTANCE_TYPES, SPOT_SAVING } from "../../../../../functions/core/planning/instance-types.ts";
import {
  JOB_START_SECONDS,
  MODEL_LOAD_SECONDS,
  planInstanceType,
  plannedShardSize,
  planRun,
} from "../../../../../functions/core/planning/plan.ts";

const T4 = GPU_THROUGHPUT.T4!.headlines_per_second;
const A10G = GPU_THROUGHPUT.A10G!.headlines_per_second;

describe("the planner's figures", () => {
  it("say for every GPU whether they were measured or estimated, and from what", () => {
    for (const [gpu, figure] of Object.entries(GPU_THROUGHPUT)) {
      expect(figure.headlines_per_second, gpu).toBeGreaterThan(0);
      expect(figure.source.length, gpu).toBeGreaterThan(20);
      if (figure.basis === "estimate") expect(figure.source, gpu).toMatch(/^scaled from the measured H100 figure/);
    }
    expect(GPU_THROUGHPUT.H100).toMatchObject({ basis: "measured", headlines_per_second: 47_615 });
  });

  it("know the GPUs and a sourced price of every instance type", () => {
    for (const [type, instance] of Object.entries(INSTANCE_TYPES)) {
      expect(GPU_THROUGHPUT[instance.gpu], type).toBeDefined();
      expect(instance.usd_per_hour, type).toBeGreaterThan(0);
      expect(instance.price_source, type).toMatch(/us-east-1/);
    }
  });
});

describe("planInstanceType", () => {
  it("scores a small run on one instance: one shard, start-up plus model load plus scoring, only the last two billed", () => {
    const plan = planInstanceType("ml.g4dn.xlarge", { headlines: 30_000, quota: 20 })!;
    const work = 30_000 / T4;
    expect(plan).toMatchObject({ instances: 1, shards: 1, shard_size: 30_000, waves: 1, meets_deadline: null, within_budget: null });
    expect(plan.wall_seconds).toBe(Math.round(JOB_START_SECONDS + MODEL_LOAD_SECONDS + work));
    expect(plan.billed_seconds).toBe(Math.round(MODEL_LOAD_SECONDS + work));
    expect(plan.usd_on_demand).toBeCloseTo(((MODEL_LOAD_SECONDS + work) * 0.736) / 3600, 4);
    expect(plan.usd_spot).toBeCloseTo(plan.usd_on_demand * (1 - SPOT_SAVING.fraction), 4);
    expect(plan.usd_per_million_on_demand).toBeCloseTo((plan.usd_on_demand / 30_000) * 1e6, 2);
  });

  it("counts every GPU of a multi-GPU instance", () => {
    expect(planInstanceType("ml.g5.12xlarge", { headlines: 1000, quota: 1 })!.headlines_per_second).toBe(4 * A10G);
  });

  it("uses more instances while each shard's scoring still outlasts its job's start-up, within the quota", () => {
    const headlines = 50 * JOB_START_SECONDS * T4;
    expect(planInstanceType("ml.g4dn.xlarge", { headlines, quota: 20 })).toMatchObject({ instances: 20, shards: 20 });
    expect(planInstanceType("ml.g4dn.xlarge", { headlines, quota: 100 })).toMatchObject({ instances: 50, shards: 50 });
  });

  it("adds instances to meet a deadline, and says when the quota cannot", () => {
    const headlines = 3_000_000;
    const relaxed = planInstanceType("ml.g4dn.xlarge", { headlines, quota: 40 })!;
    const rushed = planInstanceType("ml.g4dn.xlarge", { headlines, quota: 40, deadlineSeconds: 600 })!;
    expect(rushed.instances).toBeGreaterThan(relaxed.instances);
    expect(rushed.instances).toBe(Math.ceil(headlines / T4 / (600 - JOB_START_SECONDS - MODEL_LOAD_SECONDS)));
    expect(rushed).toMatchObject({ meets_deadline: true });
    expect(rushed.wall_seconds).toBeLessThanOrEqual(600);

    const short = planInstanceType("ml.g4dn.xlarge", { headlines, quota: 2, deadlineSeconds: 600 })!;
    expect(short).toMatchObject({ instances: 2, meets_deadline: false });
    expect(planInstanceType("ml.g4dn.xlarge", { headlines, quota: 40, deadlineSeconds: 60 })).toMatchObject({ meets_deadline: false });
  });

  it("cuts shards to fit the job's maximum runtime, in waves when they outnumber the instances", () => {
    const plan = planInstanceType("ml.g4dn.xlarge", { headlines: 10_000_000, quota: 2, maxJobSeconds: 3600 })!;
    const perShard = (3600 * 0.8 - MODEL_LOAD_SECONDS) * T4;
    expect(plan.shards).toBe(Math.ceil(10_000_000 / perShard));
    expect(plan.shard_size).toBeLessThanOrEqual(perShard);
    expect(plan).toMatchObject({ instances: 2, waves: Math.ceil(plan.shards / 2) });
  });

  it("has no plan for an instance type without figures", () => {
    expect(planInstanceType("ml.trn1.2xlarge", { headlines: 1000, quota: 1 })).toBeUndefined();
    expect(planInstanceType("local", { headlines: 1000, quota: 1 })).toBeUndefined();
  });
});

describe("planRun", () => {
  it("lists every instance type cheapest first and recommends the cheapest that meets the deadline and the budget", () => {
    const plan = planRun({ headlines: 3_000_000, quota: 20, deadlineSeconds: 900 });
    expect(plan.candidates.map((p) => p.instance_type).sort()).toEqual(Object.keys(INSTANCE_TYPES).sort());
    const costs = plan.candidates.map((p) => p.usd_on_demand);
    expect(costs).toEqual([...costs].sort((a, b) => a - b));
    const fitting = plan.candidates.filter((p) => p.meets_deadline);
    expect(plan.recommended).toBe(fitting[0]?.instance_type);
    expect(plan.request).toMatchObject({ capacity: "on-demand", deadlineSeconds: 900, budgetUsd: null });
  });

  it("judges the budget on spot prices when asked to, and recommends nothing when nothing fits", () => {
    const onDemand = planRun({ headlines: 3_000_000, quota: 20, budgetUsd: 0.1 });
    const spot = planRun({ headlines: 3_000_000, quota: 20, budgetUsd: 0.1, capacity: "spot" });
    expect(onDemand.recommended).toBeNull();
    expect(spot.recommended).not.toBeNull();
    expect(spot.candidates.find((p) => p.instance_type === spot.recommended)!.usd_spot).toBeLessThanOrEqual(0.1);
  });
});

describe("plannedShardSize", () => {
  it("is the planner's shard size for the run's instance type, or the fallback for one without figures", () => {
    const settings = { instance_type: "ml.g4dn.xlarge", quota: 20, max_runtime_seconds: 7200 };
    expect(plannedShardSize(30_000, settings, 4000)).toBe(30_000);
    expect(plannedShardSize(50 * JOB_START_SECONDS * T4, settings, 4000)).toBe(Math.ceil((50 * JOB_START_SECONDS * T4) / 20));
    expect(plannedShardSize(30_000, { ...settings, instance_type: "local" }, 4000)).toBe(4000);
  });
});
