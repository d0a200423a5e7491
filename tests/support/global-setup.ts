import { GOLD_HEADLINES_TSV, HAS_GOLD_HEADLINES } from "./gold-headlines.ts";

export default function sayWhatIsSkipped(): void {
  if (HAS_GOLD_HEADLINES) return;
  process.stdout.write(
    `\nSkipping the tests that need the shared gold headline data set: ${GOLD_HEADLINES_TSV} is not there ` +
      "(it sits beside the project's own checkout, not in a clone). Every other test runs.\n\n",
  );
}
