import { describe, expect, it } from "vitest";
import { BadInputError } from "../../../../functions/core/errors.ts";
import { chaosVerdict, parseChaos, spotInterruption } from "../../../../local/runtime/chaos.ts";

describe("parseChaos", () => {
  it("reads the documented forms", () => {
    expect(parseChaos("fail=0.33,after_chunks=1,seed=7")).toEqual({ fail: 0.33, after_chunks: 1, seed: 7 });
    expect(parseChaos("fail=1,shards=0,2")).toEqual({ fail: 1, seed: 0, shards: [0, 2] });
    expect(parseChaos(" fail=0.5 , shards=3 , seed=1 ")).toEqual({ fail: 0.5, seed: 1, shards: [3] });
    expect(parseChaos("interrupt=0.5,after_chunks=1")).toEqual({ interrupt: 0.5, after_chunks: 1, seed: 0 });
  });

  it("is off when unset or empty", () => {
    expect(parseChaos(undefined)).toBeUndefined();
    expect(parseChaos("  ")).toBeUndefined();
  });

  it.each([
    ["fail=2", /GOLDPIPE_CHAOS="fail=2": fail: .*1/],
    ["fail=often", /fail: .*number/],
    ["after_chunks=1", /fail: give fail= or interrupt=/],
    ["interrupt=1", /interrupt: interrupt must be below 1/],
    ["fail=0.5,after_chunks=0", /after_chunks: /],
    ["fail=0.5,shards=1,x", /shards\.1: /],
    ["fail=0.5,speed=3", /unknown key speed \(known: fail, interrupt, after_chunks, seed, shards\)/],
    ["fail=0.5,fail=1", /fail is given twice/],
    ["0.5", /"0.5" is not key=value/],
  ])("says what is wrong with %s", (value, message) => {
    let thrown: unknown;
    try {
      parseChaos(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BadInputError);
    expect((thrown as BadInputError).message).toMatch(message);
    expect((thrown as BadInputError).hint).toContain("fail=0.33,after_chunks=1,seed=7");
  });
});

describe("chaosVerdict", () => {
  it("fails about the asked fraction of attempts, the same ones for the same seed", () => {
    const chaos = parseChaos("fail=0.33,after_chunks=1,seed=7");
    const verdicts = Array.from({ length: 3000 }, (_, i) => chaosVerdict(chaos, i % 30, Math.floor(i / 30)));
    const failed = verdicts.filter((v) => v.fail).length / verdicts.length;
    expect(failed).toBeGreaterThan(0.29);
    expect(failed).toBeLessThan(0.37);
    expect(verdicts.find((v) => v.fail)).toEqual({ fail: true, afterChunks: 1 });
    expect(Array.from({ length: 3000 }, (_, i) => chaosVerdict(chaos, i % 30, Math.floor(i / 30)))).toEqual(verdicts);
    const otherSeed = Array.from({ length: 3000 }, (_, i) => chaosVerdict(parseChaos("fail=0.33,seed=8"), i % 30, Math.floor(i / 30)));
    expect(otherSeed.map((v) => v.fail)).not.toEqual(verdicts.map((v) => v.fail));
  });

  it("touches only the listed shards, and fails before starting without after_chunks", () => {
    const chaos = parseChaos("fail=1,shards=0,2");
    expect([0, 1, 2, 3].map((shard) => chaosVerdict(chaos, shard, 0).fail)).toEqual([true, false, true, false]);
    expect(chaosVerdict(chaos, 0, 5)).toEqual({ fail: true, afterChunks: undefined });
  });

  it("never fails without chaos or at fail=0", () => {
    expect(chaosVerdict(undefined, 0, 0)).toEqual({ fail: false });
    expect(chaosVerdict(parseChaos("fail=0"), 0, 0)).toEqual({ fail: false });
  });
});

describe("spotInterruption", () => {
  it("interrupts about the asked fraction of spot attempts, drawn apart from the failures, the same for the same seed", () => {
    const chaos = parseChaos("interrupt=0.5,fail=0.5,after_chunks=2,seed=3");
    const draws = Array.from({ length: 2000 }, (_, i) => spotInterruption(chaos, i % 20, Math.floor(i / 20)));
    const share = draws.filter((d) => d.interrupted).length / draws.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
    expect(draws.find((d) => d.interrupted)).toEqual({ interrupted: true, afterChunks: 2 });
    const failures = Array.from({ length: 2000 }, (_, i) => chaosVerdict(chaos, i % 20, Math.floor(i / 20)).fail);
    expect(draws.map((d) => d.interrupted)).not.toEqual(failures);
    expect(Array.from({ length: 2000 }, (_, i) => spotInterruption(chaos, i % 20, Math.floor(i / 20)))).toEqual(draws);
  });

  it("never interrupts without interrupt=", () => {
    expect(spotInterruption(parseChaos("fail=1"), 0, 0)).toEqual({ interrupted: false });
    expect(spotInterruption(undefined, 0, 0)).toEqual({ interrupted: false });
  });
});
