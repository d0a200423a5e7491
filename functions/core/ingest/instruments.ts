import { z } from "zod";
import rulesFile from "./instrument-rules.json" with { type: "json" };

/**
 * The instruments a headline is about, tagged from its text by the table in instrument-rules.json,
 * so that news with no tickers (most wires) still lands under XAU, XAG, DXY…
 */

const InstrumentRuleSchema = z
  .object({
    symbol: z.string().regex(/^[A-Z][A-Z0-9]*$/),
    name: z.string().min(1),
    match: z.array(z.string().min(1)),
    match_case: z.array(z.string().min(1)).default([]),
    except: z.array(z.string().min(1)),
  })
  .refine((rule) => rule.match.length + rule.match_case.length > 0, { message: "an instrument needs at least one pattern" });

const RulesSchema = z.object({ instruments: z.array(InstrumentRuleSchema).min(1) });

export interface InstrumentRule {
  symbol: string;
  /** Whether the text (its except phrases taken out) names the instrument. */
  names(text: string): boolean;
}

/** The phrases as one regular expression matching any of them as whole words: no ASCII letter or digit on either side. */
function phrases(patterns: string[], flags: string, symbol: string): RegExp | null {
  if (patterns.length === 0) return null;
  try {
    return new RegExp(`(?<![a-zA-Z0-9])(?:${patterns.join("|")})(?![a-zA-Z0-9])`, flags);
  } catch (error) {
    throw new Error(`instrument-rules.json, ${symbol}: a pattern is not a valid regular expression (${(error as Error).message})`);
  }
}

export function compileRules(table: unknown): InstrumentRule[] {
  return RulesSchema.parse(table).instruments.map((rule) => {
    const match = phrases(rule.match, "i", rule.symbol);
    const matchCase = phrases(rule.match_case, "", rule.symbol);
    const except = phrases(rule.except, "gi", rule.symbol);
    const found = (text: string) => (match?.test(text) ?? false) || (matchCase?.test(text) ?? false);
    return {
      symbol: rule.symbol,
      // Most headlines name an instrument without any except phrase, so those are only taken out on a hit.
      names: (text) => found(text) && (except === null || found(text.replace(except, " "))),
    };
  });
}

const RULES = compileRules(rulesFile);

/** The symbols of the instruments the text is about, in the table's order. */
export const tagInstruments = (text: string, rules: InstrumentRule[] = RULES): string[] =>
  rules.filter((rule) => rule.names(text)).map((rule) => rule.symbol);

/**
 * The file's symbols merged with those tagged from the headline: `symbols` lists the given ones
 * first, then the tagged ones the file did not give, which are also `tagged_symbols`.
 */
export function withInstruments(given: string[], headline: string): { symbols: string[]; tagged_symbols: string[] } {
  const tagged = tagInstruments(headline).filter((symbol) => !given.includes(symbol));
  return { symbols: [...given, ...tagged], tagged_symbols: tagged };
}
