import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { z } from "zod";
import { formatHeadlines, GENERATE_FORMATS } from "../../generator/formats.ts";
import { generateHeadlines } from "../../generator/headlines.ts";
import { BadInputError } from "../../../functions/core/errors.ts";
import { UsageError, type Command } from "../command.ts";
import { EXIT } from "../exit-codes.mjs";

const count = (name: string, min: number) =>
  z.coerce
    .number({ error: `--${name} must be a whole number` })
    .int(`--${name} must be a whole number`)
    .min(min, `--${name} must be at least ${min}`);

const GenerateArgs = z.object({
  count: count("count", 1),
  format: z.enum(GENERATE_FORMATS, { error: `--format must be ${GENERATE_FORMATS.join(" or ")}` }).default("csv"),
  seed: count("seed", 0).default(1),
  "bad-rows": count("bad-rows", 0).default(0),
  start: z.iso.date({ error: "--start must be a date, YYYY-MM-DD" }).optional(),
  out: z.string().min(1).optional(),
});

const generate: Command = {
  name: "generate",
  summary: "write realistic gold-market headlines (same seed, same rows) for demos and load tests",
  usage: "goldpipe generate --count N [--format csv|jsonl] [--seed S] [--bad-rows K] [--out FILE]",
  options: {
    count: { type: "string", value: "N", description: "how many headlines" },
    format: { type: "string", value: "FORMAT", description: "csv (default) or jsonl (news-API objects)" },
    seed: { type: "string", value: "S", description: "the random seed (default 1): the same seed writes the same file" },
    "bad-rows": {
      type: "string",
      value: "K",
      description: "replace K rows with broken ones (bad dates, empty headlines) to show quarantine",
    },
    start: { type: "string", value: "DATE", description: "the first trading day, YYYY-MM-DD (default 2023-01-02)" },
    out: { type: "string", value: "FILE", description: "write to FILE instead of stdout" },
  },
  async run({ values }, context) {
    if (values.count === undefined) throw new UsageError("--count N is required");
    const parsed = GenerateArgs.safeParse(values);
    if (!parsed.success) throw new UsageError(parsed.error.issues[0]!.message);
    const args = parsed.data;
    if (context.json && !args.out) throw new UsageError("--json prints a summary, so it needs --out FILE for the headlines");
    const target: Writable = args.out ? createWriteStream(args.out) : context.stdout;
    let failure: NodeJS.ErrnoException | undefined;
    const onError = (error: NodeJS.ErrnoException) => (failure ??= error);
    target.on("error", onError);
    const rows = generateHeadlines({ count: args.count, seed: args.seed, start: args.start, badRows: args["bad-rows"] });
    try {
      for (const line of formatHeadlines(rows, args.format)) {
        if (failure) break;
        if (!target.write(line)) await drainedOrFailed(target);
      }
    } finally {
      target.off("error", onError);
    }
    // A reader that stops early (`goldpipe generate … | head`) is not an error.
    if (failure?.code === "EPIPE" && !args.out) return EXIT.ok;
    if (failure && args.out) throw cannotWrite(args.out, failure);
    if (failure) throw failure;
    if (args.out) {
      target.end();
      await finished(target).catch((error: Error) => {
        throw cannotWrite(args.out!, error);
      });
      const summary = { file: args.out, rows: args.count, format: args.format, seed: args.seed, bad_rows: args["bad-rows"] };
      context[context.json ? "stdout" : "stderr"].write(
        context.json ? `${JSON.stringify(summary)}\n` : `${args.count} headlines written to ${args.out}\n`,
      );
    }
    return EXIT.ok;
  },
};
export default generate;

const cannotWrite = (file: string, error: Error) => new BadInputError(`cannot write ${file}: ${error.message}`);

/** Waits for the stream to take more, or to fail (the failure itself is recorded by the caller's listener). */
function drainedOrFailed(target: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      target.off("drain", done);
      target.off("error", done);
      resolve();
    };
    target.on("drain", done);
    target.on("error", done);
  });
}
