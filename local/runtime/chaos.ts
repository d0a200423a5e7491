import { createHash } from "node:crypto";
import { z } from "zod";
import { BadInputError } from "../../functions/core/errors.ts";

/**
 * GOLDPIPE_CHAOS: fail processing-job attempts on purpose, reproducibly, to watch retries, resume
 * and replay work. `fail=0.33,after_chunks=1,seed=7` fails a third of attempts, each after it has
 * written one chunk; `fail=1,shards=0,2` fails every attempt of shards 0 and 2 before it starts.
 */
export const ChaosSchema = z
  .object({
    fail: z.coerce.number().min(0).max(1),
    after_chunks: z.coerce.number().int().min(1).optional(),
    seed: z.coerce.number().int().default(0),
    shards: z.array(z.coerce.number().int().min(0)).min(1).optional(),
  })
  .strict();
export type Chaos = z.infer<typeof ChaosSchema>;

const EXAMPLE = "e.g. GOLDPIPE_CHAOS=fail=0.33,after_chunks=1,seed=7 or GOLDPIPE_CHAOS=fail=1,shards=0,2";

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
        ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.join(", ")} (known: fail, after_chunks, seed, shards)`
        : `${issue.path.join(".") || "value"}: ${issue.message}`,
    );
    throw new BadInputError(`GOLDPIPE_CHAOS="${value}": ${problems.join("; ")}`, EXAMPLE);
  }
  return parsed.data;
}

export type ChaosVerdict = { fail: false } | { fail: true; afterChunks: number | undefined };

/** Whether attempt `attempt` (0 first) of shard `shard` fails: the same answer for the same seed, every time. */
export function chaosVerdict(chaos: Chaos | undefined, shard: number, attempt: number): ChaosVerdict {
  if (chaos === undefined || chaos.fail === 0) return { fail: false };
  if (chaos.shards !== undefined && !chaos.shards.includes(shard)) return { fail: false };
  const digest = createHash("sha256").update(`${chaos.seed}:${shard}:${attempt}`).digest();
  const draw = digest.readUInt32BE(0) / 2 ** 32;
  return draw < chaos.fail ? { fail: true, afterChunks: chaos.after_chunks } : { fail: false };
}
