import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withDuckDB } from "../../../../../functions/core/lake/duckdb.ts";
import { sqlString } from "../../../../../functions/core/lake/sql-literal.ts";
import { PENDING_PREFIX, shardKey } from "../../../../../functions/core/lake-keys.ts";
import { readManifest } from "../../../../../functions/core/orchestration/manifest.ts";
import type { ObjectStore } from "../../../../../functions/core/ports.ts";
import type { RunInput, ShardItem } from "../../../../../functions/core/orchestration/run-input.ts";
import { DEFAULT_SHARD_SIZE, runIdFor, sealPending } from "../../../../../functions/core/orchestration/seal.ts";
import { tryLock, type LockOwner } from "../../../../../functions/core/orchestration/lock.ts";
import { runLockName, SEAL_LOCK } from "../../../../../functions/core/orchestration/run-lock.ts";
import { LocalWorkflow } from "../../../../../local/adapters/local-workflow.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";
import { headline, putIngestRecord, putSegment, TEST_RUN_SETTINGS } from "../../../../support/run-fixtures.ts";

let root: string;
let store: ObjectStore;
let started: { name: string; input: RunInput }[];
let workflow: LocalWorkflow;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "goldpipe-seal-test-"));
  store = new DirectoryObjectStore(root);
  started = [];
  workflow = new LocalWorkflow(async (name, input) => {
    started.push({ name, input: input as RunInput });
    return {};
  });
});
afterEach(() => rm(root, { recursive: true, force: true }));

const pendingKeys = async () => {
  const keys: string[] = [];
  for await (const object of store.list(PENDING_PREFIX)) keys.push(object.key);
  return keys;
};

async function shardList(input: RunInput): Promise<ShardItem[]> {
  return JSON.parse((await store.get(input.shard_list_key))!.toString("utf8"));
}

async function shardRows(index: number, runId: string): Promise<{ id: string; published_at: string }[]> {
  const file = path.join(root, shardKey(runId, index));
  return withDuckDB(
    async (db) =>
      (
        await db.runAndReadAll(
          `SELECT id, strftime(published_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS published_at FROM read_parquet(${sqlString(file)})`,
        )
      ).getRowObjectsJson() as { id: string; published_at: string }[],
  );
}

describe("sealPending", () => {
  it("says so and starts nothing when nothing is pending", async () => {
    expect(await sealPending({ store, workflow }, { trigger: "manual", settings: TEST_RUN_SETTINGS })).toEqual({
      sealed: false,
      reason: "no pending headlines to seal",
    });
    expect(started).toEqual([]);
  });

  it("turns pending segments into even shards, drops repeated ids, writes the manifest, starts the run and clears pending", async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `h${String(i).padStart(2, "0")}`);
    await putSegment(
      store,
      "seg-a",
      ids.slice(0, 6).map((id, i) => headline(id, { origin: { file: "incoming/a.csv", line: i + 2 } })),
    );
    // h05 comes again from another file: kept once, counted as a duplicate
    await putSegment(
      store,
      "seg-b",
      ids.slice(5).map((id, i) => headline(id, { origin: { file: "incoming/b.csv", line: i + 2 } })),
    );
    await putIngestRecord(store, { file: "incoming/a.csv", sha256: "a".repeat(64), rows_read: 7, rows_valid: 6, rows_quarantined: 1 });
    await putIngestRecord(store, { file: "incoming/b.csv", sha256: "b".repeat(64), rows_read: 5, rows_valid: 5, rows_quarantined: 0 });
    await putIngestRecord(store, { file: "incoming/other.csv", sha256: "c".repeat(64), rows_read: 3, rows_valid: 3, rows_quarantined: 0 });

    const result = await sealPending(
      { store, workflow },
      { trigger: "manual", settings: TEST_RUN_SETTINGS, shardSize: 4, now: () => new Date("2024-03-01T16:00:00Z") },
    );

    const runId = runIdFor(["seg-a", "seg-b"]);
    expect(result).toEqual({ sealed: true, run_id: runId, execution_id: runId, already_started: false, shards: 3, rows: 10 });
    const manifest = await readManifest(store, runId);
    expect(manifest).toMatchObject({
      run_id: runId,
      created_at: "2024-03-01T16:00:00.000Z",
      trigger: "manual",
      status: "Sealed",
      shard_size: 4,
      segments: ["seg-a", "seg-b"],
      rows: 10,
      duplicates: 1,
      executions: [runId],
      finished_at: null,
    });
    expect(manifest?.sources.map((s) => s.file)).toEqual(["incoming/a.csv", "incoming/b.csv"]);
    expect(manifest?.shards.map((s) => [s.index, s.rows, s.status])).toEqual([
      [0, 4, "pending"],
      [1, 3, "pending"],
      [2, 3, "pending"],
    ]);
    const sharded = [...(await shardRows(0, runId)), ...(await shardRows(1, runId)), ...(await shardRows(2, runId))];
    // shards are cut from the headlines in id order
    expect(sharded.map((row) => row.id).sort()).toEqual(ids);
    expect((await shardRows(0, runId)).map((row) => row.id).sort()).toEqual(ids.slice(0, 4));
    expect(sharded[0]?.published_at).toBe("2024-03-01T14:30:00.000Z");

    expect(started).toHaveLength(1);
    expect(started[0]?.name).toBe(runId);
    expect(started[0]?.input.shard_list_key).toBe(`runs/${runId}/executions/${runId}/shards.json`);
    expect((await shardList(started[0]!.input)).map((s) => s.scores_prefix)).toEqual([0, 1, 2].map((n) => `runs/${runId}/scores/${n}/`));
    expect(started[0]?.input.job).toEqual(TEST_RUN_SETTINGS.job);
    expect(await pendingKeys()).toEqual([]);
  });

  it("adds the ingest records of files the caller names, such as one whose rows were all quarantined", async () => {
    await putSegment(store, "seg-a", [headline("h1", { origin: { file: "incoming/a.csv", line: 2 } })]);
    await putIngestRecord(store, { file: "incoming/a.csv", sha256: "a".repeat(64), rows_read: 1, rows_valid: 1, rows_quarantined: 0 });
    await putIngestRecord(store, { file: "incoming/bad.csv", sha256: "d".repeat(64), rows_read: 4, rows_valid: 0, rows_quarantined: 4 });
    const result = await sealPending({ store, workflow }, { trigger: "manual", settings: TEST_RUN_SETTINGS, files: ["incoming/bad.csv"] });
    const manifest = await readManifest(store, result.sealed ? result.run_id : "");
    expect(manifest?.sources.map((s) => [s.file, s.rows_read])).toEqual([
      ["incoming/a.csv", 1],
      ["incoming/bad.csv", 4],
    ]);
  });

  it("keeps the segments pending when the run cannot start, and sealing them again reuses the written run", async () => {
    await putSegment(store, "seg-a", [headline("h1"), headline("h2")]);
    const failing = new LocalWorkflow(async () => ({}));
    failing.start = async () => {
      throw new Error("throttled");
    };
    await expect(sealPending({ store, workflow: failing }, { trigger: "size", settings: TEST_RUN_SETTINGS })).rejects.toThrow("throttled");
    expect(await pendingKeys()).toEqual(["pending/seg-a.jsonl"]);
    const runId = runIdFor(["seg-a"]);
    const first = await readManifest(store, runId);

    const again = await sealPending(
      { store, workflow },
      { trigger: "size", settings: TEST_RUN_SETTINGS, now: () => new Date("2030-01-01T00:00:00Z") },
    );
    expect(again).toMatchObject({ sealed: true, run_id: runId, already_started: false });
    expect(await readManifest(store, runId)).toEqual(first);
    expect(await pendingKeys()).toEqual([]);
  });

  it("starts nothing new when the same segments are sealed twice", async () => {
    await putSegment(store, "seg-a", [headline("h1")]);
    const first = await sealPending({ store, workflow }, { trigger: "manual", settings: TEST_RUN_SETTINGS });
    // the same segment delivered again after the seal removed it
    await putSegment(store, "seg-a", [headline("h1")]);
    const second = await sealPending({ store, workflow }, { trigger: "manual", settings: TEST_RUN_SETTINGS });
    expect(second).toMatchObject({ sealed: true, run_id: first.sealed ? first.run_id : "", already_started: true });
    await workflow.wait(first.sealed ? first.execution_id : "");
    expect(started).toHaveLength(1);
  });

  it("starts every run with an input of the same few hundred bytes, however many shards: they are in its list", async () => {
    await putSegment(store, "seg-a", [headline("h1")]);
    await sealPending({ store, workflow }, { trigger: "manual", settings: TEST_RUN_SETTINGS });
    await putSegment(
      store,
      "seg-b",
      Array.from({ length: 60 }, (_, i) => headline(`h${i}`)),
    );
    const sealed = await sealPending({ store, workflow }, { trigger: "manual", settings: TEST_RUN_SETTINGS, shardSize: 1 });
    expect(sealed).toMatchObject({ sealed: true, shards: 60, rows: 60 });

    const [one, sixty] = started.map((s) => s.input);
    expect(Buffer.byteLength(JSON.stringify(sixty))).toBe(Buffer.byteLength(JSON.stringify(one)));
    expect(Buffer.byteLength(JSON.stringify(sixty))).toBeLessThan(1024);
    const runId = runIdFor(["seg-b"]);
    const listed = await shardList(sixty!);
    expect(listed).toHaveLength(60);
    expect(listed[59]).toEqual({
      index: 59,
      shard_id: `${runId}-59`,
      shard_key: shardKey(runId, 59),
      scores_prefix: `runs/${runId}/scores/59/`,
    });
  });

  it("refuses a shard size that is not a positive whole number", async () => {
    await putSegment(store, "seg-a", [headline("h1")]);
    await expect(sealPending({ store, workflow }, { trigger: "manual", settings: TEST_RUN_SETTINGS, shardSize: 0 })).rejects.toThrow(
      "shard size must be a positive whole number of headlines, not 0",
    );
  });
});

describe("sealPending, one at a time", () => {
  const holder = (name: string): LockOwner => ({ holder: { name }, ttlMs: 60_000 });

  it("seals nothing while another seal holds the lock, and names it", async () => {
    await putSegment(store, "seg-a", [headline("h1")]);
    const other = await tryLock(store, SEAL_LOCK, holder("Lambda goldpipe-prod-seal (request 7)"));
    expect(other.acquired).toBe(true);
    const result = await sealPending(
      { store, workflow, owner: holder("Lambda goldpipe-prod-scheduled-seal") },
      { trigger: "schedule", settings: TEST_RUN_SETTINGS },
    );
    expect(result).toMatchObject({ sealed: false, busy: expect.stringMatching(/^Lambda goldpipe-prod-seal \(request 7\) since /) });
    expect(result.sealed ? "" : result.reason).toMatch(/^another seal is in progress: Lambda goldpipe-prod-seal/);
    expect(await pendingKeys()).toEqual(["pending/seg-a.jsonl"]);
    expect(started).toEqual([]);
  });

  it("two seals at once over the same pending segments make one run and start it once", async () => {
    await putSegment(store, "seg-a", [headline("h1"), headline("h2")]);
    await putSegment(store, "seg-b", [headline("h3")]);
    const results = await Promise.all(
      ["seal", "scheduled-seal"].map((name) =>
        sealPending({ store, workflow, owner: holder(name) }, { trigger: "manual", settings: TEST_RUN_SETTINGS }),
      ),
    );
    expect(results.filter((r) => r.sealed)).toHaveLength(1);
    await workflow.wait(
      results.find((r) => r.sealed)!.sealed ? (results.find((r) => r.sealed) as { execution_id: string }).execution_id : "",
    );
    expect(started).toHaveLength(1);
    expect(await pendingKeys()).toEqual([]);
  });

  it("taking over a dead seal's lock, clears the segments it had sealed into its run instead of sealing them twice", async () => {
    await putSegment(store, "seg-a", [headline("h1")]);
    // A seal that wrote run X's manifest and died before removing seg-a from pending/.
    const dying = { store, workflow: new LocalWorkflow(async () => ({})), owner: holder("a seal that dies") };
    dying.workflow.start = async () => {
      throw new Error("the Lambda was stopped");
    };
    await expect(sealPending(dying, { trigger: "manual", settings: TEST_RUN_SETTINGS })).rejects.toThrow("stopped");
    const interrupted = runIdFor(["seg-a"]);
    await tryLock(store, SEAL_LOCK, { ...holder("a seal that dies"), ttlMs: 1, runId: interrupted });
    // Meanwhile more headlines landed: sealing everything again would put seg-a in a second run.
    await putSegment(store, "seg-b", [headline("h2")]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const next = await sealPending({ store, workflow, owner: holder("the next seal") }, { trigger: "manual", settings: TEST_RUN_SETTINGS });
    expect(next).toMatchObject({ sealed: true, run_id: runIdFor(["seg-b"]), rows: 1 });
    expect(await readManifest(store, interrupted)).toMatchObject({ segments: ["seg-a"], status: "Sealed" });
  });

  it("does not start a run's execution while another execution holds the run, and says which", async () => {
    await putSegment(store, "seg-a", [headline("h1")]);
    const runId = runIdFor(["seg-a"]);
    await tryLock(store, runLockName(runId), { holder: { name: "goldpipe watch", execution: "elsewhere-1" }, ttlMs: 60_000 });
    const result = await sealPending(
      { store, workflow, owner: holder("goldpipe run") },
      { trigger: "manual", settings: TEST_RUN_SETTINGS },
    );
    expect(result).toMatchObject({ sealed: true, run_id: runId, execution_id: "elsewhere-1", already_started: true });
    expect(started).toEqual([]);
    expect(await pendingKeys()).toEqual([]);
  });
});

describe("runIdFor", () => {
  it("sizes shards with the planner for the run's instance type when no shard size is given", async () => {
    await putSegment(
      store,
      "seg-a",
      Array.from({ length: 9 }, (_, i) => headline(`h${i}`, { origin: { file: "incoming/a.csv", line: i } })),
    );
    const planned = { ...TEST_RUN_SETTINGS, job: { ...TEST_RUN_SETTINGS.job, instance_type: "ml.g5.xlarge" } };

    const sealed = await sealPending({ store, workflow }, { trigger: "manual", settings: planned, deadlineSeconds: 900 });

    // Nine headlines are seconds of one GPU's work: one shard, sized by the planner to hold them all.
    expect(sealed).toMatchObject({ sealed: true, shards: 1, rows: 9 });
    expect((await readManifest(store, sealed.sealed ? sealed.run_id : ""))?.shard_size).toBe(9);
  });

  it("falls back to its default shard size for an instance type the planner has no figures for", async () => {
    await putSegment(store, "seg-a", [headline("h1")]);
    const local = { ...TEST_RUN_SETTINGS, job: { ...TEST_RUN_SETTINGS.job, instance_type: "local" } };

    const sealed = await sealPending({ store, workflow }, { trigger: "manual", settings: local });

    expect((await readManifest(store, sealed.sealed ? sealed.run_id : ""))?.shard_size).toBe(DEFAULT_SHARD_SIZE);
  });

  it("depends on the set of segments only", () => {
    expect(runIdFor(["b", "a"])).toBe(runIdFor(["a", "b"]));
    expect(runIdFor(["a"])).not.toBe(runIdFor(["a", "b"]));
    expect(runIdFor(["a"])).toMatch(/^run-[0-9a-f]{16}$/);
  });
});
