import type { InstancePlan, Plan } from "../../functions/core/planning/plan.ts";
import { number, seconds } from "./text.ts";

/** The plan for a terminal: one row per instance type, cheapest first, then where each figure comes from. */
export function formatPlanText(plan: Plan): string {
  const { request } = plan;
  const limits = [
    request.deadlineSeconds === null ? undefined : `deadline ${seconds(request.deadlineSeconds)}`,
    request.budgetUsd === null ? undefined : `budget $${request.budgetUsd}`,
  ].filter(Boolean);
  const header = [
    "instance type",
    "GPUs",
    "headlines/s",
    "instances",
    "shards × size",
    "wall time",
    "on-demand",
    "spot",
    "$/M on-demand",
    "$/M spot",
    "",
  ];
  const rows = plan.candidates.map((p) => [
    p.instance_type,
    `${p.gpus} × ${p.gpu}`,
    `${number(p.headlines_per_second)}${p.throughput.basis === "estimate" ? " est." : ""}`,
    String(p.instances),
    `${p.shards} × ${number(p.shard_size)}`,
    seconds(p.wall_seconds),
    usd(p.usd_on_demand),
    usd(p.usd_spot),
    usd(p.usd_per_million_on_demand),
    usd(p.usd_per_million_spot),
    verdict(p, plan.recommended),
  ]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i >= 2 && i < 10 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const gpus = [...new Map(plan.candidates.map((p) => [p.gpu, p.throughput])).entries()];
  return [
    `plan for ${number(request.headlines)} headlines, at most ${request.quota} instances at once, ` +
      `${request.capacity} prices${limits.length ? ` (${limits.join(", ")})` : ""}`,
    "",
    line(header),
    ...rows.map(line),
    "",
    plan.recommended === null
      ? "no instance type meets the deadline and the budget: raise the quota (--quota), the deadline or the budget"
      : `recommended: ${plan.recommended} (the cheapest on ${request.capacity} capacity that meets the deadline and the budget)`,
    "",
    "one GPU's headlines/s, end to end (instances: GPUs × this, one worker per GPU):",
    ...gpus.map(([gpu, t]) => `  ${gpu.padEnd(5)} ${number(t.headlines_per_second).padStart(7)}  ${t.basis}: ${t.source}`),
    `each job: ${plan.assumptions.job_start_seconds} s of SageMaker start-up before the container runs (not billed), ` +
      `then ${plan.assumptions.model_load_seconds} s loading the model (billed; an estimate)`,
    `spot: ${Math.round(plan.assumptions.spot_saving.fraction * 100)}% below on-demand, ${plan.assumptions.spot_saving.source}`,
    "prices: functions/core/planning/instance-types.ts, each with its source",
    "",
  ].join("\n");
}

const usd = (value: number) => `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;

function verdict(p: InstancePlan, recommended: string | null): string {
  const misses = [p.meets_deadline === false ? "misses the deadline" : "", p.within_budget === false ? "over budget" : ""].filter(Boolean);
  if (misses.length) return misses.join(", ");
  return p.instance_type === recommended ? "← recommended" : "";
}
