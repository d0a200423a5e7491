import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lockPrefix } from "../../../../../functions/core/lake-keys.ts";
import {
  currentLock,
  describeLock,
  rewriteLock,
  tryLock,
  waitForLock,
  type LockOwner,
} from "../../../../../functions/core/orchestration/lock.ts";
import type { ObjectStore } from "../../../../../functions/core/ports.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";

let root: string;
let store: ObjectStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "goldpipe-lock-test-"));
  store = new DirectoryObjectStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const owner = (name: string, ttlMs = 60_000, alive?: boolean): LockOwner => ({
  holder: { name },
  ttlMs,
  liveness: alive === undefined ? undefined : async () => alive,
});
const at = (iso: string) => () => new Date(iso);

async function keys(name: string) {
  const found: string[] = [];
  for await (const object of store.list(lockPrefix(name))) found.push(object.key.slice(lockPrefix(name).length));
  return found;
}

describe("tryLock", () => {
  it("gives a free lock to one caller and tells the next who holds it and until when", async () => {
    const first = await tryLock(store, "seal", owner("seal A"), at("2026-01-13T15:00:00Z"));
    expect(first).toMatchObject({ acquired: true, tookOver: undefined, lock: { generation: 1, holder: { name: "seal A" } } });
    const second = await tryLock(store, "seal", owner("seal B"), at("2026-01-13T15:00:30Z"));
    expect(second).toMatchObject({ acquired: false, heldBy: { generation: 1, holder: { name: "seal A" } } });
    if (second.acquired) throw new Error("a held lock was given twice");
    expect(describeLock(second.heldBy)).toBe("seal A since 2026-01-13T15:00:00.000Z, until 2026-01-13T15:01:00.000Z unless renewed");
  });

  it("of many callers at once, exactly one gets a free lock", async () => {
    const attempts = await Promise.all(Array.from({ length: 12 }, (_, i) => tryLock(store, "seal", owner(`caller ${i}`))));
    expect(attempts.filter((a) => a.acquired)).toHaveLength(1);
    const winner = attempts.find((a) => a.acquired)!;
    for (const loser of attempts.filter((a) => !a.acquired)) {
      expect(loser).toMatchObject({ heldBy: { holder: winner.acquired ? winner.lock.holder : undefined } });
    }
  });

  it("is free again once released, in a new generation; older generations are cleaned up", async () => {
    for (let i = 1; i <= 4; i++) {
      const attempt = await tryLock(store, "seal", owner(`seal ${i}`));
      expect(attempt).toMatchObject({ acquired: true, lock: { generation: i }, tookOver: undefined });
      if (attempt.acquired) await rewriteLock(store, attempt.lock, { release: true });
    }
    expect(await keys("seal")).toEqual(["0000000003.json", "0000000004.json"]);
    expect(await currentLock(store, "seal")).toMatchObject({ generation: 4, released_at: expect.any(String) });
  });

  it("takes over a lock whose holder went silent past its expiry, and says whose it took", async () => {
    await tryLock(store, "seal", owner("seal A", 60_000), at("2026-01-13T15:00:00Z"));
    expect((await tryLock(store, "seal", owner("seal B"), at("2026-01-13T15:00:59Z"))).acquired).toBe(false);
    const late = await tryLock(store, "seal", owner("seal B"), at("2026-01-13T15:01:01Z"));
    expect(late).toMatchObject({ acquired: true, lock: { generation: 2 }, tookOver: { generation: 1, holder: { name: "seal A" } } });
  });

  it("asks the liveness first: a dead holder's lock is taken at once, a live one's never, expired or not", async () => {
    await tryLock(store, "run", owner("run A", 60_000), at("2026-01-13T15:00:00Z"));
    expect((await tryLock(store, "run", owner("run B", 60_000, true), at("2026-01-14T15:00:00Z"))).acquired).toBe(false);
    expect((await tryLock(store, "run", owner("run B", 60_000, false), at("2026-01-13T15:00:01Z"))).acquired).toBe(true);
  });

  it("of several callers taking over the same stale lock at once, exactly one wins", async () => {
    await tryLock(store, "seal", owner("dead", 1), at("2026-01-13T15:00:00Z"));
    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, i) => tryLock(store, "seal", owner(`taker ${i}`), at("2026-01-13T16:00:00Z"))),
    );
    expect(attempts.filter((a) => a.acquired)).toHaveLength(1);
  });
});

describe("rewriteLock", () => {
  it("renews and records what the holder works on, and answers undefined once the lock has moved on", async () => {
    const first = await tryLock(store, "seal", owner("seal A", 1_000), at("2026-01-13T15:00:00Z"));
    if (!first.acquired) throw new Error("not acquired");
    const renewed = await rewriteLock(
      store,
      first.lock,
      { ttlMs: 60_000, runId: "run-1", execution: "run-1" },
      at("2026-01-13T15:00:00.5Z"),
    );
    expect(renewed).toMatchObject({ run_id: "run-1", holder: { execution: "run-1" }, expires_at: "2026-01-13T15:01:00.500Z" });
    const taken = await tryLock(store, "seal", owner("seal B"), at("2026-01-13T15:02:00Z"));
    expect(taken.acquired).toBe(true);
    expect(await rewriteLock(store, first.lock, { release: true })).toBeUndefined();
    expect(await currentLock(store, "seal")).toMatchObject({ holder: { name: "seal B" }, released_at: null });
  });
});

describe("waitForLock", () => {
  it("tries again while another holds the lock, tells who once, and takes it when it is free", async () => {
    const held = await tryLock(store, "seal", owner("seal A"));
    if (!held.acquired) throw new Error("not acquired");
    const told: string[] = [];
    let sleeps = 0;
    const waited = await waitForLock(store, "seal", owner("seal B"), {
      timeoutMs: 60_000,
      onWait: (heldBy) => told.push(heldBy.holder.name),
      sleep: async () => {
        if (++sleeps === 3) await rewriteLock(store, held.lock, { release: true });
      },
    });
    expect(waited).toMatchObject({ acquired: true, lock: { holder: { name: "seal B" } } });
    expect(told).toEqual(["seal A"]);
  });

  it("gives up after its timeout, answering who holds the lock", async () => {
    await tryLock(store, "seal", owner("seal A"));
    expect(await waitForLock(store, "seal", owner("seal B"), { timeoutMs: 0 })).toMatchObject({
      acquired: false,
      heldBy: { holder: { name: "seal A" } },
    });
  });
});
