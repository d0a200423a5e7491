import { createHash } from "node:crypto";
import { z } from "zod";
import { BadInputError } from "../../functions/core/errors.ts";

/**
 * GOLDPIPE_CHAOS: fail processing-job attempts on purpose, reproducibly, to watch retries, resume
 * and replay work. `fail=0.33,after_chunks=1,seed=7` fails a third of attempts, each after it has
 * written one chunk; `fail=1,shards=0,2` fails every attempt of shards 0 and 2 before it starts.
 * `interrupt=0.5,after_chunks=1` interrupts half the spot attempts after one chunk, as a reclaimed
 * spot instance would: the job is not failed, it restarts from its checkpoint.
 */
export const ChaosSchema = z
  .object({
    fail: z.coerce.number().min(0).max(1).optional(),
    /** Below 1: SageMaker restarts an interrupted spot job until it finishes, so every attempt interrupted would never end. */
    interrupt: z.coerce.number().min(0).lt(1, "interrupt must be below 1: an interrupted spot job restarts until it finishes").optional(),
    after_chunks: z.coerce.number().int().min(1).optional(),
    seed: z.coerce.number().int().default(0),
    shards: z.array(z.coerce.number().int().min(0)).min(1).optional(),
  })
  .strict()
  .refine((chaos) => chaos.fail !== undefined || chaos.interrupt !== undefined, { message: "give fail= or interrupt=", path: ["fail"] });
export type Chaos = z.infer<typeof ChaosSchema>;

const EXAMPLE =
  "e.g. GOLDPIPE_CHAOS=fail=0.33,after_chunks=1,seed=7, GOLDPIPE_CHAOS=fail=1,shards=0,2 or GOLDPIPE_CHAOS=interrupt=0.5,after_chunks=1";

/** Parses GOLDPIPE_CHAOS; undefined when it is unset or empty. A bad value is a BadInputError saying what is wrong. */
export function parseChaos(value: string | undefined): Chaos | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const fields: Record<string, string | string[]> = {};
  let listKey: string | undefined;
  for (const token of value.split(",").map((t) => t.trim())) {
    const eq = token.indexOf("=");
    if (eq === -1) {
      // A bare value continues the list before it: shards=0,2
      const list = listKey === undefined ? undefined : fields[listKey];
      if (!Array.isArray(list) || token === "") {
        throw new BadInputError(`GOLDPIPE_CHAOS="${value}": "${token}" is not key=value`, EXAMPLE);
      }
      list.push(token);
      continue;
    }
    const key = token.slice(0, eq);
    const raw = token.slice(eq + 1);
    if (key in fields) throw new BadInputError(`GOLDPIPE_CHAOS="${value}": ${key} is given twice`, EXAMPLE);
    fields[key] = key === "shards" ? [raw] : raw;
    listKey = key === "shards" ? key : undefined;
  }
  const parsed = ChaosSchema.safeParse(fields);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")} (known: fail, interrupt, after_chunks, seed, shards)`
        : `${issue.path.join(".") || "value"}: ${issue.message}`,
    );
    throw new BadInputError(`GOLDPIPE_CHAOS="${value}": ${problems.join("; ")}`, EXAMPLE);
  }
  return parsed.data;
}

export type ChaosVerdict = { fail: false } | { fail: true; afterChunks: number | undefined };

/** Whether attempt `attempt` (0 first) of shard `shard` fails: the same answer for the same seed, every time. */
export function chaosVerdict(chaos: Chaos | undefined, shard: number, attempt: number): ChaosVerdict {
  return draw(chaos, "fail", shard, attempt) ? { fail: true, afterChunks: chaos?.after_chunks } : { fail: false };
}

export type SpotInterruption = { interrupted: false } | { interrupted: true; afterChunks: number | undefined };

/** Whether spot attempt `attempt` of shard `shard` is interrupted (after after_chunks chunks, or before it starts). */
export function spotInterruption(chaos: Chaos | undefined, shard: number, attempt: number): SpotInterruption {
  return draw(chaos, "interrupt", shard, attempt) ? { interrupted: true, afterChunks: chaos?.after_chunks } : { interrupted: false };
}

function draw(chaos: Chaos | undefined, kind: "fail" | "interrupt", shard: number, attempt: number): boolean {
  const fraction = chaos?.[kind] ?? 0;
  if (chaos === undefined || fraction === 0) return false;
  if (chaos.shards !== undefined && !chaos.shards.includes(shard)) return false;
  // fail keeps the draws it always had; interrupt draws its own.
  const digest = createHash("sha256")
    .update(`${kind === "fail" ? "" : "interrupt:"}${chaos.seed}:${shard}:${attempt}`)
    .digest();
  return digest.readUInt32BE(0) / 2 ** 32 < fraction;
}
