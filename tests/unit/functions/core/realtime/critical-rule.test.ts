import { describe, expect, it } from "vitest";
import { CriticalRuleSchema, criticalMatcher } from "../../../../../functions/core/realtime/critical-rule.ts";
import type { Headline } from "../../../../../functions/core/headline.ts";

const headline = (text: string, more: Partial<Headline> = {}): Headline => ({
  id: "h1",
  headline: text,
  published_at: "2026-01-13T15:00:00.000Z",
  symbols: [],
  tagged_symbols: [],
  source: null,
  url: null,
  origin: { file: "incoming/a.csv", line: 2 },
  ...more,
});

describe("the critical rule", () => {
  const isCritical = criticalMatcher(
    CriticalRuleSchema.parse({ sources: ["Reuters"], keywords: ["Fed", "rate cut", "S&P 500"], symbols: ["xauusd"] }),
  );

  it("matches a source, a symbol or a keyword, in any case", () => {
    expect(isCritical(headline("Gold edges up", { source: "reuters" }))).toBe(true);
    expect(isCritical(headline("Gold edges up", { symbols: ["GLD", "XAUUSD"] }))).toBe(true);
    expect(isCritical(headline("FED holds; gold edges up"))).toBe(true);
    expect(isCritical(headline("Gold jumps on Rate  Cut bets"))).toBe(true);
    expect(isCritical(headline("Miners lag the S&P 500"))).toBe(true);
  });

  it("matches keywords as whole words, never inside another word", () => {
    expect(isCritical(headline("Federal budget talks drag on"))).toBe(false);
    expect(isCritical(headline("Fedex shares slide"))).toBe(false);
    expect(isCritical(headline("Gold edges up", { source: "Reuters Breakingviews", symbols: ["XAU"] }))).toBe(false);
  });

  it("finds nothing critical when empty", () => {
    const none = criticalMatcher(CriticalRuleSchema.parse({}));
    expect(none(headline("Fed cuts rates", { source: "Reuters", symbols: ["XAUUSD"] }))).toBe(false);
  });

  it("refuses an unknown field, so a typo is not a silently empty rule", () => {
    expect(() => CriticalRuleSchema.parse({ keyword: ["Fed"] })).toThrow(/keyword/);
  });
});
