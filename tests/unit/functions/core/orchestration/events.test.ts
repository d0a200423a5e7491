import { describe, expect, it } from "vitest";
import { FinalizeRunEventSchema, SealEventSchema } from "../../../../../functions/core/orchestration/events.ts";

describe("the seal function's event", () => {
  it("is a manual seal when invoked with {} or with no payload at all", () => {
    expect(SealEventSchema.parse({})).toEqual({ trigger: "manual" });
    expect(SealEventSchema.parse(null)).toEqual({ trigger: "manual" });
    expect(SealEventSchema.parse(undefined)).toEqual({ trigger: "manual" });
  });

  it("takes a large drop's trigger and a shard size, and nothing else", () => {
    expect(SealEventSchema.parse({ trigger: "size", shard_size: 500 })).toEqual({ trigger: "size", shard_size: 500 });
    expect(SealEventSchema.safeParse({ trigger: "schedule" }).success).toBe(false);
    expect(SealEventSchema.safeParse({ shard_size: 0 }).success).toBe(false);
    expect(SealEventSchema.safeParse({ shardSize: 5 }).success).toBe(false);
  });
});

describe("the FinalizeRun state's input", () => {
  it("needs a run id", () => {
    expect(FinalizeRunEventSchema.parse({ run_id: "run-a" })).toEqual({ run_id: "run-a" });
    expect(FinalizeRunEventSchema.safeParse({ run_id: "" }).success).toBe(false);
  });
});
