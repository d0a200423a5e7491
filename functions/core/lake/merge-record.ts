import { z } from "zod";
import { forEachConcurrently } from "../concurrency.ts";
import { curatedPartitionPrefix, mergeRecordKey } from "../lake-keys.ts";
import type { ObjectStore } from "../ports.ts";
import type { Partition } from "./lake-table.ts";

const PartitionSchema = z.object({ year: z.number().int(), month: z.number().int(), day: z.number().int() });
const ObjectsSchema = z.array(z.object({ key: z.string(), size: z.number().int().nonnegative() }));
type Objects = z.infer<typeof ObjectsSchema>;

/**
 * runs/<run_id>/merged.json: what the run's last completed merge read and wrote. While the run's
 * scored chunks, its own curated files and the other runs' files in the days it wrote are all as
 * recorded, merging the run again would write the same files, so it does nothing.
 */
export const MergeRecordSchema = z.object({
  run_id: z.string(),
  /** The chunks of the run's succeeded shards that were merged. */
  scored: ObjectsSchema,
  /** The run's curated files as written. */
  curated: ObjectsSchema,
  /** The other runs' curated files in those days, whose ids this run's rows gave way to. */
  others: ObjectsSchema,
  rows_scored: z.number().int().nonnegative(),
  rows_curated: z.number().int().nonnegative(),
  /** The UTC days the run's rows fall on, whose curated files decide what it keeps. */
  days: z.array(PartitionSchema),
  /** The days it wrote files to: those where it kept rows. */
  partitions: z.array(PartitionSchema),
});
export type MergeRecord = z.infer<typeof MergeRecordSchema>;

/** Partitions listed at once when checking a record. */
const LIST_CONCURRENCY = 8;

export async function readMergeRecord(store: ObjectStore, runId: string): Promise<MergeRecord | undefined> {
  const body = await store.get(mergeRecordKey(runId));
  if (body === undefined) return undefined;
  const parsed = MergeRecordSchema.safeParse(JSON.parse(body.toString("utf8")));
  // A record this code cannot read only costs a full merge, which writes a new one.
  return parsed.success ? parsed.data : undefined;
}

export async function writeMergeRecord(store: ObjectStore, record: MergeRecord): Promise<void> {
  await store.put(mergeRecordKey(record.run_id), JSON.stringify(MergeRecordSchema.parse(record)), { contentType: "application/json" });
}

/** Whether the lake holds what the record says: the same scored chunks, and the same curated files on its days. */
export async function stillMerged(store: ObjectStore, record: MergeRecord, scored: Objects): Promise<boolean> {
  if (!sameObjects(scored, record.scored)) return false;
  const curated = await curatedFilesIn(store, record.days, record.run_id);
  return sameObjects(curated.own, record.curated) && sameObjects(curated.others, record.others);
}

/** The curated files in the partitions: the run's own and every other run's. */
export async function curatedFilesIn(store: ObjectStore, partitions: readonly Partition[], runId: string) {
  const own: Objects = [];
  const others: Objects = [];
  const ownName = new RegExp(`/${runId.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d+\\.parquet$`);
  await forEachConcurrently(partitions, LIST_CONCURRENCY, async (partition) => {
    for await (const { key, size } of store.list(curatedPartitionPrefix(partition))) {
      if (!key.endsWith(".parquet")) continue;
      (ownName.test(key) ? own : others).push({ key, size });
    }
  });
  return { own, others };
}

function sameObjects(a: Objects, b: Objects): boolean {
  if (a.length !== b.length) return false;
  const byKey = new Map(a.map((o) => [o.key, o.size]));
  return b.every((o) => byKey.get(o.key) === o.size);
}
