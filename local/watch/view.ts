import type { Writable } from "node:stream";

/** What watch shows: the folder, what is pending, the policy's last word, the run in progress, the last runs. */
export interface WatchState {
  dir: string;
  lake: string;
  now: Date;
  /** The calendar's view of now, e.g. "comex-gold open until 2026-01-13T22:00:00.000Z". */
  market: string;
  filesWaiting: number;
  pending: { rows: number; rowsExact: boolean; segments: number; oldestAt: Date | undefined } | undefined;
  lastDecision: { at: Date; seal: boolean; reason: string } | undefined;
  running: { runId: string; trigger: string; since: Date; shards: number; rows: number } | undefined;
  lastRuns: RunLine[];
}

export interface RunLine {
  runId: string;
  trigger: string;
  status: string;
  rows: number;
  seconds: number;
  finishedAt: Date;
}

/** Something that happened: printed as a line (plain or JSON) and kept in the log file. */
export interface WatchEvent {
  event: string;
  at: string;
  message: string;
  [field: string]: unknown;
}

const clock = (date: Date) => date.toISOString().slice(11, 19);
const ago = (now: Date, then: Date) => {
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  return seconds < 120 ? `${seconds}s` : seconds < 7200 ? `${Math.round(seconds / 60)}m` : `${(seconds / 3600).toFixed(1)}h`;
};

export function formatScreen(state: WatchState): string[] {
  const { pending, running, lastDecision } = state;
  const lines = [
    `goldpipe watch   ${state.dir} → lake ${state.lake}   ${state.now.toISOString().slice(0, 19)}Z   (Ctrl-C stops)`,
    `market    ${state.market}`,
    `folder    ${state.filesWaiting === 0 ? "no files waiting" : `${state.filesWaiting} file(s) settling or being ingested`}`,
    `pending   ${
      !pending || pending.rows === 0
        ? "nothing"
        : `${pending.rows}${pending.rowsExact ? "" : "+"} headlines in ${pending.segments} segment(s), ` +
          `oldest ${pending.oldestAt ? ago(state.now, pending.oldestAt) : "?"} ago`
    }`,
    `policy    ${
      lastDecision ? `${clock(lastDecision.at)} ${lastDecision.seal ? "seal: " : "wait: "}${lastDecision.reason}` : "not asked yet"
    }`,
    `running   ${
      running
        ? `${running.runId} (${running.trigger}, ${running.rows} headline(s), ${running.shards} shard(s), ` +
          `${ago(state.now, running.since)})`
        : "nothing"
    }`,
    "last runs",
  ];
  if (state.lastRuns.length === 0) lines.push("  none yet");
  for (const run of state.lastRuns) {
    lines.push(
      `  ${clock(run.finishedAt)}  ${run.runId}  ${run.status.padEnd(15)} ${run.trigger.padEnd(8)} ` +
        `${String(run.rows).padStart(7)} rows  ${run.seconds.toFixed(1)}s`,
    );
  }
  return lines;
}

type Output = Writable & { isTTY?: boolean; columns?: number };

/**
 * On a terminal, redraws the whole screen on each update; otherwise prints each event as one plain
 * line (or one JSON line with json), so a log file or a pipe gets a readable record.
 */
export class WatchView {
  readonly #out: Output;
  readonly #json: boolean;
  readonly #tty: boolean;
  readonly #recent: string[] = [];
  #lastMessage: string | undefined;

  constructor(out: Output, json: boolean) {
    this.#out = out;
    this.#json = json;
    this.#tty = !json && out.isTTY === true;
  }

  event(event: WatchEvent): void {
    if (this.#json) {
      this.#out.write(`${JSON.stringify(event)}\n`);
      return;
    }
    // The same words again (the policy waiting on nothing, tick after tick) add nothing to read.
    if (event.message === this.#lastMessage) return;
    this.#lastMessage = event.message;
    if (this.#tty) this.#recent.splice(0, Math.max(0, this.#recent.push(`${event.at.slice(11, 19)} ${event.message}`) - 5));
    else this.#out.write(`${event.at} ${event.message}\n`);
  }

  update(state: WatchState): void {
    if (!this.#tty) return;
    const width = this.#out.columns || 120;
    const lines = [...formatScreen(state), "recent", ...this.#recent.map((line) => `  ${line}`)];
    this.#out.write(`\x1b[H\x1b[J${lines.map((line) => (line.length > width ? `${line.slice(0, width - 1)}…` : line)).join("\n")}\n`);
  }
}
