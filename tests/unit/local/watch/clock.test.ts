import { mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DirectoryObjectStore } from "../../../../local/adapters/directory-object-store.ts";
import { realClock, storeOnClock } from "../../../../local/watch/clock.ts";

let lake: string;
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "goldpipe-clock-"));
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

describe("the watch clock", () => {
  it("runs from the given start at real speed", async () => {
    const clock = realClock(new Date("2026-01-13T15:00:00Z"));
    const first = clock.now().getTime();
    expect(Math.abs(first - Date.parse("2026-01-13T15:00:00Z"))).toBeLessThan(1_000);
    await clock.sleep(30, new AbortController().signal);
    expect(clock.now().getTime() - first).toBeGreaterThanOrEqual(25);
  });

  it("wakes a sleep at once when stopped", async () => {
    const stop = new AbortController();
    const clock = realClock();
    const slept = clock.sleep(60_000, stop.signal);
    stop.abort();
    await slept;
    await clock.sleep(60_000, stop.signal);
  });

  it("reads the lake's times on the clock, so pending ages agree with its now", async () => {
    const clock = realClock(new Date("2026-01-13T15:00:00Z"));
    const store = new DirectoryObjectStore(lake);
    await store.put("pending/a.jsonl", "{}\n");
    const written = new Date(Date.now() - 60_000);
    await utimes(path.join(lake, "pending/a.jsonl"), written, written);
    const seen = storeOnClock(store, clock);
    const listed = [];
    for await (const info of seen.list("pending/")) listed.push(info);
    const age = clock.now().getTime() - listed[0]!.lastModified.getTime();
    expect(age).toBeGreaterThanOrEqual(59_000);
    expect(age).toBeLessThan(62_000);
    expect((await seen.head("pending/a.jsonl"))!.lastModified).toEqual(listed[0]!.lastModified);
    expect((await seen.get("pending/a.jsonl"))!.toString()).toBe("{}\n");
  });
});
