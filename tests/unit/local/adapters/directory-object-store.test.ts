import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ObjectNotFoundError } from "../../../../functions/core/ports.ts";
import { DirectoryObjectStore, LakeDirectoryGoneError } from "../../../../local/adapters/directory-object-store.ts";

let root: string;
let store: DirectoryObjectStore;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "dir-store-test-"));
  store = new DirectoryObjectStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const text = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
};

describe("DirectoryObjectStore", () => {
  it("puts strings, buffers and streams, and reads them back", async () => {
    await store.put("a/b/one.txt", "one");
    await store.put("a/two.bin", Buffer.from([1, 2]));
    await store.put("a/three.txt", Readable.from(["th", "ree"]));
    expect((await store.get("a/b/one.txt"))!.toString()).toBe("one");
    expect(await store.get("a/two.bin")).toEqual(Buffer.from([1, 2]));
    expect(await text(await store.getStream("a/three.txt"))).toBe("three");
    expect(await store.head("a/three.txt")).toMatchObject({ key: "a/three.txt", size: 5 });
  });

  it("answers undefined or ObjectNotFoundError for a missing key", async () => {
    expect(await store.get("nope")).toBeUndefined();
    expect(await store.head("nope")).toBeUndefined();
    await expect(store.getStream("nope")).rejects.toBeInstanceOf(ObjectNotFoundError);
    await store.delete("nope");
  });

  it("lists under a prefix in key order, like S3", async () => {
    for (const key of ["p/b.txt", "p/a/z.txt", "p/a.txt", "pz.txt", "q/c.txt"]) await store.put(key, key);
    const keys = async (prefix: string) => {
      const out: string[] = [];
      for await (const object of store.list(prefix)) out.push(object.key);
      return out;
    };
    expect(await keys("p/")).toEqual(["p/a.txt", "p/a/z.txt", "p/b.txt"]);
    expect(await keys("p")).toEqual(["p/a.txt", "p/a/z.txt", "p/b.txt", "pz.txt"]);
    expect(await keys("p/a")).toEqual(["p/a.txt", "p/a/z.txt"]);
    expect(await keys("missing/")).toEqual([]);
  });

  it("replaces an object whole and leaves no temporary file when a stream fails", async () => {
    await store.put("k.txt", "old");
    const failing = new Readable({
      read() {
        this.push("partial");
        this.destroy(new Error("source broke"));
      },
    });
    await expect(store.put("k.txt", failing)).rejects.toThrow("source broke");
    expect((await store.get("k.txt"))!.toString()).toBe("old");
    expect(await readdir(root)).toEqual(["k.txt"]);
  });

  it("deletes, and refuses keys outside the directory", async () => {
    await store.put("x.txt", "x");
    await store.delete("x.txt");
    expect(await store.head("x.txt")).toBeUndefined();
    await expect(store.put("../escape.txt", "x")).rejects.toThrow(/outside the lake/);
  });
});

describe("DirectoryObjectStore.createIfAbsent", () => {
  it("creates an object only when there is none, and of many creators at once exactly one wins", async () => {
    expect(await store.createIfAbsent("locks/seal/1.json", "first")).toBe(true);
    expect(await store.createIfAbsent("locks/seal/1.json", "second")).toBe(false);
    expect((await store.get("locks/seal/1.json"))!.toString()).toBe("first");
    const racers = await Promise.all(Array.from({ length: 20 }, (_, i) => store.createIfAbsent("locks/seal/2.json", `racer ${i}`)));
    expect(racers.filter(Boolean)).toHaveLength(1);
    expect((await readdir(path.join(root, "locks", "seal"))).sort()).toEqual(["1.json", "2.json"]);
  });

  it("with createRoot false, fails instead of making the lake directory again once it is gone", async () => {
    const guarded = new DirectoryObjectStore(root, { createRoot: false });
    await guarded.put("a.txt", "a");
    await rm(root, { recursive: true, force: true });
    await expect(guarded.put("pending/b.txt", "b")).rejects.toThrow(LakeDirectoryGoneError);
    await expect(guarded.createIfAbsent("locks/x/1.json", "x")).rejects.toThrow(/the lake directory .* is gone/);
    await expect(readdir(root)).rejects.toThrow();
  });
});
