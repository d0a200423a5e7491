import { z } from "zod";
import type { Headline } from "../headline.ts";

/**
 * Which headlines are critical enough to score at once during market hours: any headline from one of the
 * sources, carrying one of the symbols, or naming one of the keywords (whole words or phrases, any case).
 * An empty rule finds nothing critical.
 */
export const CriticalRuleSchema = z.strictObject({
  sources: z.array(z.string().trim().min(1)).default([]),
  keywords: z.array(z.string().trim().min(1)).default([]),
  symbols: z.array(z.string().trim().min(1)).default([]),
});
export type CriticalRule = z.output<typeof CriticalRuleSchema>;

/** The rule as a predicate over headlines. */
export function criticalMatcher(rule: CriticalRule): (headline: Headline) => boolean {
  const sources = new Set(rule.sources.map(fold));
  const symbols = new Set(rule.symbols.map(fold));
  const keywords = keywordPattern(rule.keywords);
  return (headline) =>
    (headline.source !== null && sources.has(fold(headline.source))) ||
    headline.symbols.some((symbol) => symbols.has(fold(symbol))) ||
    (keywords?.test(headline.headline) ?? false);
}

const fold = (text: string) => text.trim().toLocaleLowerCase("en-US");

/** One pattern for every keyword, each bounded by non-word characters, its spaces matching any whitespace. */
function keywordPattern(keywords: readonly string[]): RegExp | undefined {
  if (keywords.length === 0) return undefined;
  const alternatives = keywords.map((keyword) =>
    keyword
      .split(/\s+/)
      .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("\\s+"),
  );
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join("|")})(?![\\p{L}\\p{N}])`, "iu");
}
