import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatScreen, WatchView, type WatchState } from "../../../../local/watch/view.ts";

const state: WatchState = {
  dir: "/data/drop",
  lake: "/data/lake",
  now: new Date("2026-01-13T15:00:00Z"),
  market: "comex-gold open (trading day 2026-01-13) until 2026-01-13T22:00:00.000Z",
  filesWaiting: 1,
  pending: { rows: 42, rowsExact: true, segments: 3, oldestAt: new Date("2026-01-13T14:52:00Z") },
  lastDecision: { at: new Date("2026-01-13T14:55:00Z"), seal: false, reason: "42 pending rows, oldest 3.0 min: waiting" },
  running: { runId: "run-abc", trigger: "schedule", since: new Date("2026-01-13T14:59:30Z"), shards: 1, rows: 7 },
  lastRuns: [
    { runId: "run-old", trigger: "size", status: "Succeeded", rows: 5000, seconds: 61.25, finishedAt: new Date("2026-01-13T14:40:00Z") },
  ],
};

function sink(isTTY: boolean, columns = 200) {
  const chunks: string[] = [];
  const out = Object.assign(
    new Writable({
      write: (chunk, _enc, done) => {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY, columns },
  );
  return { out, text: () => chunks.join("") };
}

describe("the watch view", () => {
  it("shows pending, the policy's last word, the running run and the last runs", () => {
    const screen = formatScreen(state).join("\n");
    expect(screen).toContain("pending   42 headlines in 3 segment(s), oldest 8m ago");
    expect(screen).toContain("policy    14:55:00 wait: 42 pending rows");
    expect(screen).toContain("running   run-abc (schedule, 7 headline(s), 1 shard(s), 30s)");
    expect(screen).toContain("  14:40:00  run-old  Succeeded       size        5000 rows  61.3s");
  });

  it("redraws the screen on a terminal and keeps the recent events under it", () => {
    const { out, text } = sink(true);
    const view = new WatchView(out, false);
    view.event({ event: "ingested", at: "2026-01-13T14:58:00.000Z", message: "news.csv: 7 headline(s) pending" });
    view.update(state);
    expect(text().startsWith("\x1b[H\x1b[J")).toBe(true);
    expect(text()).toContain("recent\n  14:58:00 news.csv: 7 headline(s) pending");
  });

  it("cuts lines to the terminal's width, and does not cut when the width is unknown (0)", () => {
    const narrow = sink(true, 40);
    new WatchView(narrow.out, false).update(state);
    expect(narrow.text()).toContain("\nmarket    comex-gold open (trading day …\n");
    const unknown = sink(true, 0);
    new WatchView(unknown.out, false).update(state);
    expect(unknown.text()).toContain("\nmarket    comex-gold open (trading day 2026-01-13) until 2026-01-13T22:00:00.000Z\n");
  });

  it("prints plain lines without repeats, or JSON lines, when not on a terminal", () => {
    const plain = sink(false);
    const view = new WatchView(plain.out, false);
    view.update(state);
    view.event({ event: "ingested", at: "2026-01-13T14:58:00.000Z", message: "news.csv: 7 headline(s) pending" });
    view.event({ event: "seal_decision", at: "2026-01-13T15:00:00.000Z", message: "wait: nothing pending" });
    view.event({ event: "seal_decision", at: "2026-01-13T15:05:00.000Z", message: "wait: nothing pending" });
    expect(plain.text()).toBe("2026-01-13T14:58:00.000Z news.csv: 7 headline(s) pending\n2026-01-13T15:00:00.000Z wait: nothing pending\n");
    const json = sink(true);
    new WatchView(json.out, true).event({ event: "ingested", at: "2026-01-13T14:58:00.000Z", message: "m", file: "news.csv" });
    expect(JSON.parse(json.text())).toEqual({ event: "ingested", at: "2026-01-13T14:58:00.000Z", message: "m", file: "news.csv" });
  });
});
