import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REALTIME_LANDED_PREFIX } from "../../../../../functions/core/lake-keys.ts";
import { landedScorer, RealtimeLanding } from "../../../../../functions/core/realtime/landing.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";
import { scoredHeadline } from "../../../../support/scored-fixtures.ts";

/** The directory store, with each put held until the test lets it go. */
class HeldStore extends DirectoryObjectStore {
  puts = 0;
  refuse = false;
  #release: (() => void)[] = [];
  override async put(key: string, body: Buffer | string | Readable) {
    this.puts++;
    await new Promise<void>((resolve) => this.#release.push(resolve));
    if (this.refuse) throw new Error("SlowDown: please reduce your request rate");
    return super.put(key, body);
  }
  releaseAll() {
    for (const release of this.#release.splice(0)) release();
  }
}

let lake: string;
let store: HeldStore;
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "goldpipe-landing-"));
  store = new HeldStore(lake);
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

async function landedIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const { key } of store.list(REALTIME_LANDED_PREFIX)) {
    const lines = (await store.get(key))!.toString("utf8").trim().split("\n");
    ids.push(...lines.map((line) => JSON.parse(line).id as string));
  }
  return ids.sort();
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("landing real-time rows", () => {
  it("answers nobody before their rows are stored, and stores what arrives during a put together in the next", async () => {
    const landing = new RealtimeLanding(store);
    const answered: string[] = [];
    const land = (id: string) => landing.land([scoredHeadline({ id })]).then(() => answered.push(id));
    const first = land("a");
    await settle();
    const rest = ["b", "c", "d"].map(land);
    await settle();
    expect(answered).toEqual([]);
    expect(store.puts).toBe(1);

    store.releaseAll();
    await first;
    await settle();
    expect(answered).toEqual(["a"]);
    store.releaseAll();
    await Promise.all(rest);

    expect(store.puts).toBe(2);
    expect(await landedIds()).toEqual(["a", "b", "c", "d"]);
  });

  it("rejects the rows of a put the store refused, so their callers know they were not landed", async () => {
    const landing = new RealtimeLanding(store);
    store.refuse = true;
    const refused = landing.land([scoredHeadline({ id: "a" })]);
    await settle();
    store.releaseAll();

    await expect(refused).rejects.toThrow(/SlowDown/);
    expect(await landedIds()).toEqual([]);
  });

  it("landedScorer returns the endpoint's answer only once it is landed", async () => {
    const endpoint = { score: async () => [scoredHeadline({ id: "x" })] };
    const scoring = landedScorer(endpoint, new RealtimeLanding(store)).score([]);
    await settle();
    expect(await landedIds()).toEqual([]);
    store.releaseAll();

    expect((await scoring).map((row) => row.id)).toEqual(["x"]);
    expect(await landedIds()).toEqual(["x"]);
  });
});
