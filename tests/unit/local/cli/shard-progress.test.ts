import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { MAX_SHARD_BARS, shardProgress } from "../../../../local/cli/shard-progress.ts";

/** A terminal of 120 columns that keeps what was written to it. */
function terminal() {
  let text = "";
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk);
        done();
      },
    }),
    { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true },
  );
  return { stream, text: () => text };
}

const shards = (count: number) => Array.from({ length: count }, (_, index) => ({ index, rows: 10 }));

describe("shardProgress on a terminal", () => {
  it("draws one bar per shard for a small run", () => {
    const out = terminal();
    const progress = shardProgress(out.stream, shards(3), 5);
    progress.onShard({ type: "attempt", index: 1, attempt: 1 });
    progress.onShard({ type: "succeeded", index: 1 });
    progress.stop();
    expect(out.text()).toMatch(/shard +1 \|.*\| 2\/2 chunks +scored/);
  });

  it("draws one bar of shards done for a run of many, with those scoring, retried and failed", () => {
    const out = terminal();
    const progress = shardProgress(out.stream, shards(2000), 5);
    progress.onShard({ type: "skipped", index: 0 });
    progress.onShard({ type: "attempt", index: 1, attempt: 1 });
    progress.onShard({ type: "attempt", index: 2, attempt: 1 });
    progress.onShard({ type: "attempt-failed", index: 2, attempt: 1, reason: "crashed" });
    progress.onShard({ type: "attempt", index: 2, attempt: 2 });
    progress.onShard({ type: "succeeded", index: 1 });
    progress.onShard({ type: "attempt", index: 3, attempt: 1 });
    progress.onShard({ type: "failed", index: 3 });
    progress.stop();
    expect(MAX_SHARD_BARS).toBeLessThan(2000);
    expect(out.text()).toContain("3/2000 done  1 scoring, 1 retried, 1 failed");
    expect(out.text()).not.toMatch(/shard +\d+ \|/);
  });
});
