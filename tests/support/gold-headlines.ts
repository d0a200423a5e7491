import { existsSync } from "node:fs";
import path from "node:path";

/**
 * The Sinha & Khandait gold headlines (../shared/data beside the checkout). A user's clone does not
 * have them: suites that need them use `describe.skipIf(!HAS_GOLD_HEADLINES)`, and the global setup
 * says once why they were skipped.
 */
export const GOLD_HEADLINES_TSV = path.resolve(import.meta.dirname, "../../../shared/data/gold-headlines-sinha-khandait.tsv");
export const HAS_GOLD_HEADLINES = existsSync(GOLD_HEADLINES_TSV);
