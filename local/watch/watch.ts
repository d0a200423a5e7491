import { appendFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { buildCalendar, type Calendar } from "../../functions/core/calendar/calendar.ts";
import type { ObjectStore } from "../../functions/core/ports.ts";
import { pendingStats } from "../../functions/core/scheduling/pending-stats.ts";
import type { ScheduleConfig } from "../../functions/core/scheduling/schedule-config.ts";
import { sealTickMessage } from "../../functions/core/scheduling/events.ts";
import { scheduledSeal } from "../../functions/core/scheduling/scheduled-seal.ts";
import type { PendingStats, ScheduledTrigger } from "../../functions/core/scheduling/seal-policy.ts";
import { storeOnClock, type Clock } from "./clock.ts";
import { DropFolder } from "./drop-folder.ts";
import type { RunLine, WatchEvent, WatchState, WatchView } from "./view.ts";

/** What one dropped file gave the lake. */
export interface FileIngested {
  file: string;
  /** Why the file could not be read from the folder at all (it stays there and is tried again). */
  unreadable: string | undefined;
  rowsValid: number;
  rowsQuarantined: number;
  /** Why the whole file went to quarantine, when it did. */
  rejected: string | undefined;
  /** The earlier file with the same bytes, when this one was a repeat (its rows are not added again). */
  duplicateOf: string | undefined;
}

export interface StartedRun {
  runId: string;
  shards: number;
  rows: number;
  /** Settles when the run's workflow ends. */
  finished: Promise<{ status: string; rowsCurated: number }>;
}

/** The local pipeline watch drives: ingest into the lake, and seal-and-run (the same paths `goldpipe ingest` and `goldpipe run` take). */
export interface WatchRuntime {
  store: ObjectStore;
  /** The seal's shard size, which the policy also uses. */
  shardRows: number;
  ingest(files: readonly string[]): Promise<FileIngested[]>;
  /** Seals what is pending and starts its run; undefined when nothing was left to seal. */
  seal(trigger: ScheduledTrigger): Promise<StartedRun | undefined>;
}

export interface WatchOptions {
  dir: string;
  lake: string;
  runtime: WatchRuntime;
  config: ScheduleConfig;
  clock: Clock;
  view: WatchView;
  /** How often the folder is scanned. */
  pollMs?: number;
  /** How long a file's size and mtime must stay unchanged before it is read. */
  settleMs?: number;
  /** How many finished runs the view keeps. */
  lastRuns?: number;
}

/** Where watch appends its decisions and events, one JSON object a line, inside the lake directory. */
export const watchLogPath = (lake: string) => path.join(lake, "logs", "watch.jsonl");

/**
 * The always-on local pipeline: files settled in the folder are ingested and moved to its ingested/
 * subfolder; every tick the seal policy is asked about what is pending, and a run it calls for is
 * sealed and run while the next files keep arriving. One run at a time: while one is running the
 * tick waits, and the policy is asked again as soon as it ends. Stopping ends the loops, then waits
 * for an ingest or a run in progress (a second stop leaves the run); what is pending stays in the
 * lake's pending/ for the next start.
 */
export class Watch {
  readonly #options: WatchOptions;
  readonly #folder: DropFolder;
  readonly #calendar: Calendar;
  /** The lake as the scheduler sees it: pending segments' times on the watch's clock. */
  readonly #lake: ObjectStore;
  readonly #stop = new AbortController();
  readonly #forced = deferred();
  #wakeTick = deferred();
  /** Ingest and seal both touch pending/; they take turns. */
  #exclusive: Promise<unknown> = Promise.resolve();
  #pending: PendingStats | undefined;
  #lastDecision: WatchState["lastDecision"];
  #running: (WatchState["running"] & { finished: Promise<unknown> }) | undefined;
  readonly #lastRuns: RunLine[] = [];
  readonly #failedFiles = new Map<string, number>();
  #logWrites: Promise<void> = Promise.resolve();

  constructor(options: WatchOptions) {
    this.#options = options;
    this.#folder = new DropFolder(options.dir, options.settleMs ?? 2_000);
    this.#calendar = buildCalendar(options.config);
    this.#lake = storeOnClock(options.runtime.store, options.clock);
  }

  /** Runs until stop(); resolves once everything in progress has ended (or, stopped twice, been left). */
  async run(): Promise<void> {
    const { config, runtime } = this.#options;
    this.#emit(
      "started",
      `watching ${this.#options.dir}; markets ${this.#calendar.markets.join(", ")}, ` +
        `freshness ${config.freshnessMinutes} min, tick ${config.tickMinutes} min, shard ${runtime.shardRows}`,
    );
    await Promise.all([this.#folderLoop(), this.#tickLoop()]);
    if (this.#running) {
      const { runId } = this.#running;
      this.#emit("stopping", `waiting for run ${runId} to finish (stop again to leave it; "goldpipe replay ${runId}" finishes it later)`, {
        run_id: runId,
      });
      await Promise.race([this.#running.finished, this.#forced.promise]);
    }
    await this.#exclusive;
    const left = await pendingStats(this.#lake, Number.MAX_SAFE_INTEGER);
    this.#emit("stopped", `stopped; ${left.rows} headline(s) stay pending for the next start`, { pending_rows: left.rows });
    await this.#logWrites;
  }

  /** The first call stops the loops; a second stops waiting for the run in progress. */
  stop(): void {
    if (this.#stop.signal.aborted) this.#forced.resolve();
    this.#stop.abort();
  }

  async #folderLoop(): Promise<void> {
    const { clock, pollMs = 1_000 } = this.#options;
    while (!this.#stop.signal.aborted) {
      await this.#ingestSettled().catch((error: unknown) =>
        this.#emit("folder_failed", `watching ${this.#options.dir} failed: ${(error as Error).message}; trying again`),
      );
      this.#render();
      await clock.sleep(pollMs, this.#stop.signal);
    }
  }

  async #tickLoop(): Promise<void> {
    const { clock, config } = this.#options;
    while (!this.#stop.signal.aborted) {
      this.#wakeTick = deferred();
      if (!this.#running) {
        await this.#turn(() => this.#tick()).catch((error: unknown) =>
          this.#emit("tick_failed", `the scheduled seal failed: ${(error as Error).message}; what is pending stays for the next tick`),
        );
      }
      this.#render();
      await Promise.race([clock.sleep(config.tickMinutes * 60_000, this.#stop.signal), this.#wakeTick.promise]);
    }
  }

  async #ingestSettled(): Promise<void> {
    const { clock, runtime } = this.#options;
    const now = clock.now().getTime();
    const files = (await this.#folder.settledFiles(now)).filter((file) => (this.#failedFiles.get(file) ?? 0) <= now);
    if (files.length === 0) return;
    await this.#turn(async () => {
      let results: FileIngested[];
      try {
        results = await runtime.ingest(files);
      } catch (error) {
        // Not the file's fault (a bad file is quarantined, not thrown): try again in a minute.
        for (const file of files) this.#failedFiles.set(file, now + 60_000);
        this.#emit(
          "ingest_failed",
          `could not ingest ${files.map((f) => path.basename(f)).join(", ")}: ${(error as Error).message}; trying again in a minute`,
        );
        return;
      }
      for (const result of results) {
        if (result.unreadable) {
          this.#failedFiles.set(result.file, now + 60_000);
          this.#emit("ingest_failed", `${path.basename(result.file)} not ingested: ${result.unreadable}; trying again in a minute`, {
            file: result.file,
          });
          continue;
        }
        const movedTo = await this.#folder.moveIngested(result.file);
        this.#failedFiles.delete(result.file);
        const name = path.basename(result.file);
        const message = result.rejected
          ? `${name} rejected whole: ${result.rejected} (in the lake's quarantine/)`
          : result.duplicateOf
            ? `${name} is a repeat of ${result.duplicateOf}: nothing new`
            : `${name}: ${result.rowsValid} headline(s) pending, ${result.rowsQuarantined} quarantined`;
        this.#emit("ingested", `${message}; moved to ${path.relative(this.#options.dir, movedTo)}`, {
          file: result.file,
          rows_valid: result.rowsValid,
          rows_quarantined: result.rowsQuarantined,
          rejected: result.rejected ?? null,
          duplicate_of: result.duplicateOf ?? null,
        });
      }
      this.#pending = await pendingStats(this.#lake, this.#countCap());
    });
  }

  async #tick(): Promise<void> {
    const { clock, config, runtime } = this.#options;
    const result = await scheduledSeal({
      store: this.#lake,
      now: clock.now(),
      config,
      shardRows: runtime.shardRows,
      calendar: this.#calendar,
      onEvent: (e) => {
        const { event, ...fields } = e;
        this.#emit(event, sealTickMessage(e), fields);
      },
      seal: async (trigger) => {
        const run = await runtime.seal(trigger);
        if (run) this.#track(run, trigger);
        return run;
      },
    });
    this.#pending = result.runId ? await pendingStats(this.#lake, this.#countCap()) : result.pending;
    this.#lastDecision = { at: clock.now(), seal: result.decision.seal, reason: result.decision.reason };
  }

  #track(run: StartedRun, trigger: ScheduledTrigger): void {
    const { clock } = this.#options;
    const since = clock.now();
    const finished = run.finished.then(
      (end) => this.#finish(run.runId, trigger, since, end.status, end.rowsCurated),
      (error: unknown) => this.#finish(run.runId, trigger, since, `Failed: ${(error as Error).message}`, 0),
    );
    this.#running = { runId: run.runId, trigger, since, shards: run.shards, rows: run.rows, finished };
  }

  #finish(runId: string, trigger: string, since: Date, status: string, rows: number): void {
    const finishedAt = this.#options.clock.now();
    const seconds = (finishedAt.getTime() - since.getTime()) / 1000;
    this.#lastRuns.unshift({ runId, trigger, status, rows, seconds, finishedAt });
    this.#lastRuns.splice(this.#options.lastRuns ?? 5);
    this.#running = undefined;
    this.#emit("run_finished", `run ${runId} ${status}: ${rows} headline(s) curated in ${seconds.toFixed(1)}s`, {
      run_id: runId,
      status,
      rows_curated: rows,
      seconds,
    });
    this.#wakeTick.resolve();
    this.#render();
  }

  /** Runs fn after everything queued before it: ingests and seals never overlap. */
  #turn<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#exclusive.then(fn);
    this.#exclusive = next.catch(() => undefined);
    return next;
  }

  #countCap(): number {
    const { config, runtime } = this.#options;
    return Math.max(config.minRunRows, config.offHoursRunRows, runtime.shardRows);
  }

  #emit(event: string, message: string, fields: Record<string, unknown> = {}): void {
    const record: WatchEvent = { event, at: this.#options.clock.now().toISOString(), message, ...fields };
    this.#options.view.event(record);
    this.#log(JSON.stringify(record));
  }

  #log(line: string): void {
    const file = watchLogPath(this.#options.lake);
    this.#logWrites = this.#logWrites.then(() => mkdir(path.dirname(file), { recursive: true })).then(() => appendFile(file, `${line}\n`));
  }

  #render(): void {
    const now = this.#options.clock.now();
    const session = this.#calendar.sessionAt(now);
    const next = session ? undefined : this.#calendar.nextOpen(now);
    this.#options.view.update({
      dir: this.#options.dir,
      lake: this.#options.lake,
      now,
      market: session
        ? `${session.market} open (trading day ${session.tradingDay}) until ${session.closesAt.toISOString()}`
        : `closed${next ? `, next open ${next.toISOString()}` : ""}`,
      filesWaiting: this.#folder.waiting,
      pending: this.#pending,
      lastDecision: this.#lastDecision,
      running: this.#running,
      lastRuns: this.#lastRuns,
    });
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
