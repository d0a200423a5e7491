/**
 * The goldpipe CLI's exit codes, defined once: the commands return them, `goldpipe --help` lists
 * them, and bin/goldpipe.mjs uses them before TypeScript can load (hence plain JavaScript).
 */
export const EXIT_CODES = /** @type {const} */ ({
  ok: { code: 0, meaning: "success" },
  internal: { code: 1, meaning: "internal error" },
  badInput: { code: 2, meaning: "bad input or usage (one line on stderr says what to do)" },
  partiallyFailed: { code: 3, meaning: "a run ended with failed shards" },
  interrupted: { code: 130, meaning: "stopped by Ctrl-C (SIGTERM: 143); the next run resumes what was left" },
});

/** @type {{ readonly [Name in keyof typeof EXIT_CODES]: (typeof EXIT_CODES)[Name]["code"] }} */
export const EXIT = /** @type {any} */ (Object.fromEntries(Object.entries(EXIT_CODES).map(([name, { code }]) => [name, code])));

/** The line `goldpipe --help` ends with. */
export const EXIT_CODES_HELP = `exit codes: ${Object.values(EXIT_CODES)
  .map(({ code, meaning }) => `${code} ${meaning}`)
  .join(", ")}`;
