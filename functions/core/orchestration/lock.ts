import { z } from "zod";
import { lockKey, lockPrefix } from "../lake-keys.ts";
import type { ObjectStore } from "../ports.ts";

/**
 * Who holds a lock, in words a person can act on, and what tells whether it is still at work: the
 * process (host and pid) for a local holder, the workflow execution for a run that is executing.
 */
export const LockHolderSchema = z.object({
  name: z.string().min(1),
  host: z.string().optional(),
  pid: z.number().int().positive().optional(),
  execution: z.string().optional(),
});
export type LockHolder = z.infer<typeof LockHolderSchema>;

/** `locks/<name>/<generation>.json`: one acquisition of a lock, from its conditional create to its release. */
export const LockRecordSchema = z.object({
  name: z.string(),
  generation: z.number().int().positive(),
  holder: LockHolderSchema,
  /** The run the holder is working on: the run being sealed, or the run being executed. */
  run_id: z.string().nullable(),
  acquired_at: z.iso.datetime(),
  /** Past this instant, with no sign of life from the holder, the lock is stale and the next caller takes it over. */
  expires_at: z.iso.datetime(),
  released_at: z.iso.datetime().nullable(),
});
export type LockRecord = z.infer<typeof LockRecordSchema>;

/** Whether a holder is still at work: true or false when that can be told (a process, an execution), undefined when only the expiry can. */
export type HolderLiveness = (holder: LockHolder) => Promise<boolean | undefined>;

/** What a caller brings to take a lock: itself, how long it may be silent, and how to tell whether another holder lives. */
export interface LockOwner {
  holder: LockHolder;
  /** How long the lock stays valid without a renewal. */
  ttlMs: number;
  liveness?: HolderLiveness;
}

export type LockAttempt =
  | {
      acquired: true;
      lock: LockRecord;
      /** The stale acquisition this one took over (its holder died or went silent), for the caller to finish what it left. */
      tookOver: LockRecord | undefined;
    }
  | { acquired: false; heldBy: LockRecord };

/**
 * Takes the lock `name` when nobody holds it, or when its holder is gone: dead by `liveness`, or
 * silent past its expiry. Each acquisition is a new generation created with the store's
 * conditional create, so of several callers taking a free or stale lock at once exactly one wins,
 * and the losers see the winner; nothing is ever overwritten but by its own holder.
 */
export async function tryLock(
  store: ObjectStore,
  name: string,
  owner: LockOwner & { runId?: string | null },
  now: () => Date = () => new Date(),
): Promise<LockAttempt> {
  const latest = await currentLock(store, name);
  if (latest && latest.released_at === null && (await isHeld(latest, owner.liveness, now()))) return { acquired: false, heldBy: latest };
  const at = now();
  const lock: LockRecord = {
    name,
    generation: (latest?.generation ?? 0) + 1,
    holder: owner.holder,
    run_id: owner.runId ?? null,
    acquired_at: at.toISOString(),
    expires_at: new Date(at.getTime() + owner.ttlMs).toISOString(),
    released_at: null,
  };
  if (!(await store.createIfAbsent(lockKey(name, lock.generation), serialize(lock), JSON_TYPE))) {
    const winner = await readGeneration(store, name, lock.generation);
    if (!winner)
      throw new Error(`lock ${name}: generation ${lock.generation} was created and then vanished; is something deleting locks/?`);
    return { acquired: false, heldBy: winner };
  }
  // A caller whose listing was stale (older generations since cleaned up) created a generation
  // below the latest: that acquisition does not count.
  const after = await currentLock(store, name);
  if (after && after.generation > lock.generation) {
    await store.put(lockKey(name, lock.generation), serialize({ ...lock, released_at: lock.acquired_at }), JSON_TYPE);
    return { acquired: false, heldBy: after };
  }
  for await (const object of store.list(lockPrefix(name))) {
    if (object.key < lockKey(name, latest?.generation ?? 0)) await store.delete(object.key);
  }
  const tookOver = latest && latest.released_at === null ? latest : undefined;
  return { acquired: true, lock, tookOver };
}

/**
 * tryLock, again every `pollMs` while another holder has the lock, for at most `timeoutMs`;
 * `onWait` hears who is holding it, once per holder.
 */
export async function waitForLock(
  store: ObjectStore,
  name: string,
  owner: LockOwner & { runId?: string | null },
  options: { timeoutMs: number; pollMs?: number; onWait?: (heldBy: LockRecord) => void; sleep?: (ms: number) => Promise<void> },
): Promise<LockAttempt> {
  const { timeoutMs, pollMs = 500, onWait, sleep = (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)) } = options;
  const deadline = Date.now() + timeoutMs;
  let told: number | undefined;
  for (;;) {
    const attempt = await tryLock(store, name, owner);
    if (attempt.acquired || Date.now() >= deadline) return attempt;
    if (told !== attempt.heldBy.generation) onWait?.(attempt.heldBy);
    told = attempt.heldBy.generation;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
}

/** The lock's latest acquisition, released or not; undefined when it was never taken. */
export async function currentLock(store: ObjectStore, name: string): Promise<LockRecord | undefined> {
  // A generation listed and then cleaned up by a newer acquisition is looked for again.
  for (let attempt = 0; attempt < 5; attempt++) {
    let last: string | undefined;
    for await (const object of store.list(lockPrefix(name))) if (object.key.endsWith(".json")) last = object.key;
    if (last === undefined) return undefined;
    const body = await store.get(last);
    if (body !== undefined) return parseLock(last, body);
  }
  throw new Error(`lock ${name}: its generations keep vanishing under ${lockPrefix(name)}; is something deleting locks/?`);
}

/**
 * Rewrites the holder's own acquisition (a renewal, what it is working on, its release). Answers
 * the record as written, or undefined when the lock has moved on to a later generation: the holder
 * was taken for dead and must stop.
 */
export async function rewriteLock(
  store: ObjectStore,
  lock: LockRecord,
  change: { ttlMs?: number; runId?: string; execution?: string; release?: boolean },
  now: () => Date = () => new Date(),
): Promise<LockRecord | undefined> {
  const latest = await currentLock(store, lock.name);
  if (!latest || latest.generation !== lock.generation) return undefined;
  const at = now();
  const next: LockRecord = {
    ...latest,
    holder: change.execution === undefined ? latest.holder : { ...latest.holder, execution: change.execution },
    run_id: change.runId ?? latest.run_id,
    expires_at: change.ttlMs === undefined ? latest.expires_at : new Date(at.getTime() + change.ttlMs).toISOString(),
    released_at: change.release ? at.toISOString() : latest.released_at,
  };
  await store.put(lockKey(lock.name, lock.generation), serialize(next), JSON_TYPE);
  return next;
}

/** "goldpipe run (pid 4242 on laptop) since 2026-01-13T15:00:00.000Z, until 15:10:00 unless renewed" */
export function describeLock(lock: LockRecord): string {
  const where = lock.holder.pid === undefined ? "" : ` (pid ${lock.holder.pid}${lock.holder.host ? ` on ${lock.holder.host}` : ""})`;
  return `${lock.holder.name}${where} since ${lock.acquired_at}, until ${lock.expires_at} unless renewed`;
}

async function isHeld(lock: LockRecord, liveness: HolderLiveness | undefined, now: Date): Promise<boolean> {
  const alive = await liveness?.(lock.holder);
  return alive ?? Date.parse(lock.expires_at) > now.getTime();
}

async function readGeneration(store: ObjectStore, name: string, generation: number): Promise<LockRecord | undefined> {
  const key = lockKey(name, generation);
  const body = await store.get(key);
  return body === undefined ? undefined : parseLock(key, body);
}

function parseLock(key: string, body: Buffer): LockRecord {
  const parsed = LockRecordSchema.safeParse(JSON.parse(body.toString("utf8")));
  if (!parsed.success) throw new Error(`${key} is not a lock record: ${z.prettifyError(parsed.error)}; delete it to free the lock`);
  return parsed.data;
}

const serialize = (lock: LockRecord) => `${JSON.stringify(LockRecordSchema.parse(lock), null, 2)}\n`;
const JSON_TYPE = { contentType: "application/json" };
