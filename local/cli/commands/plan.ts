import { z } from "zod";
import { planRun } from "../../../functions/core/planning/plan.ts";
import { formatPlanText } from "../../report/plan-text.ts";
import { UsageError, type Command } from "../command.ts";
import { EXIT } from "../exit-codes.mjs";
import { capacityOption, countOption } from "../local-run.ts";

/** Instances of one type at once when --quota is not given. */
const DEFAULT_QUOTA = 20;
const UNITS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86_400 };

/** "90s", "45m", "2h", "1h30m" or plain seconds, as seconds. */
export function parseDuration(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*(min|[smhd])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.replace(/\s+/g, "")) return undefined;
  return parts.reduce((total, [, value, unit]) => total + Number(value) * UNITS[unit!]!, 0);
}

const plan: Command = {
  name: "plan",
  summary: "plan a run of N headlines: for each GPU instance type, the instances, shards, wall time and cost",
  usage: "goldpipe plan --headlines N [--deadline D] [--budget USD] [--quota N] [--capacity on-demand|spot] [--json]",
  options: {
    headlines: { type: "string", value: "N", description: "headlines to score" },
    deadline: { type: "string", value: "D", description: "wall time the run may take, start-up included: 90s, 45m, 2h, 1h30m" },
    budget: { type: "string", value: "USD", description: "what the GPU jobs may cost, in US dollars" },
    quota: {
      type: "string",
      value: "N",
      description: `instances of one type at once: your account's SageMaker quota (default ${DEFAULT_QUOTA}, at most 40)`,
    },
    capacity: { type: "string", value: "KIND", description: "on-demand (default) or spot: the prices the budget and the choice use" },
  },
  async run({ values }, context) {
    const headlines = countOption(values, "headlines");
    if (headlines === undefined) throw new UsageError("give --headlines N, the number of headlines to score");
    const deadline = typeof values.deadline === "string" ? parseDuration(values.deadline) : undefined;
    if (typeof values.deadline === "string" && (deadline === undefined || deadline <= 0)) {
      throw new UsageError(`--deadline wants a duration such as 90s, 45m, 2h or 1h30m, not "${values.deadline}"`);
    }
    const budget = typeof values.budget === "string" ? z.coerce.number().positive().safeParse(values.budget.replace(/^\$/, "")) : undefined;
    if (budget && !budget.success)
      throw new UsageError(`--budget wants an amount of US dollars such as 25 or 2.50, not "${values.budget}"`);
    const capacity = capacityOption(values) ?? "on-demand";
    const result = planRun({
      headlines,
      quota: countOption(values, "quota", 40) ?? DEFAULT_QUOTA,
      deadlineSeconds: deadline,
      budgetUsd: budget?.data,
      capacity,
    });
    context.stdout.write(context.json ? `${JSON.stringify(result, null, 2)}\n` : formatPlanText(result));
    return EXIT.ok;
  },
};
export default plan;
