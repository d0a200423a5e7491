import { describe, expect, it } from "vitest";
import { parseDuration } from "../../../../../local/cli/commands/plan.ts";
import { goldpipe } from "../../../../support/cli.ts";

describe("goldpipe plan", () => {
  it("prints each instance type's instances, shards, wall time and cost, the recommendation and the figures' sources", async () => {
    const { code, stdout } = await goldpipe("plan", "--headlines", "300000", "--deadline", "15m", "--budget", "5", "--quota", "10");
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^plan for 300,000 headlines, at most 10 instances at once, on-demand prices \(deadline 15 min 0 s, budget \$5\)/,
    );
    expect(stdout).toMatch(/instance type +GPUs +headlines\/s +instances +shards × size +wall time +on-demand +spot/);
    expect(stdout).toMatch(/^ml\.g4dn\.xlarge +1 × T4 +3,129 est\. +1 +1 × 300,000 .*← recommended$/m);
    expect(stdout).toMatch(/H100 +47,615 +measured: /);
    expect(stdout).toContain("390 s of SageMaker start-up");
  });

  it("answers JSON with --json, on spot prices with --capacity spot", async () => {
    const { code, stdout } = await goldpipe("plan", "--headlines", "3000000", "--capacity", "spot", "--json");
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan.request).toMatchObject({ headlines: 3_000_000, quota: 20, capacity: "spot" });
    expect(plan.candidates[0].usd_spot).toBeLessThanOrEqual(plan.candidates[1].usd_spot);
  });

  it("says what is wrong with its arguments", async () => {
    expect((await goldpipe("plan")).stderr).toContain("give --headlines N");
    expect((await goldpipe("plan", "--headlines", "10", "--deadline", "soon")).stderr).toContain("--deadline wants a duration");
    expect((await goldpipe("plan", "--headlines", "10", "--budget=-3")).stderr).toContain("--budget wants an amount");
    const bad = await goldpipe("plan", "--headlines", "10", "--capacity", "reserved");
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('--capacity is on-demand or spot, not "reserved"') });
  });
});

describe("parseDuration", () => {
  it("reads seconds, minutes, hours and days, alone or together", () => {
    expect([parseDuration("90"), parseDuration("90s"), parseDuration("45m"), parseDuration("2h"), parseDuration("1h30m")]).toEqual([
      90, 90, 2700, 7200, 5400,
    ]);
    expect(parseDuration("1d")).toBe(86_400);
    expect([parseDuration("soon"), parseDuration("2x"), parseDuration("h")]).toEqual([undefined, undefined, undefined]);
  });
});
