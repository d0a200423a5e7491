import { appendFile, mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { BadInputError } from "../../functions/core/errors.ts";
import { buildCalendar, type Calendar } from "../../functions/core/calendar/calendar.ts";
import type { ObjectStore } from "../../functions/core/ports.ts";
import { pendingStats } from "../../functions/core/scheduling/pending-stats.ts";
import type { ScheduleConfig } from "../../functions/core/scheduling/schedule-config.ts";
import { sealTickMessage } from "../../functions/core/scheduling/events.ts";
import { scheduledSeal } from "../../functions/core/scheduling/scheduled-seal.ts";
import type { PendingStats, ScheduledTrigger } from "../../functions/core/scheduling/seal-policy.ts";
import { storeOnClock, type Clock } from "./clock.ts";
import { DropFolder, versionOf, type ReadyFile } from "./drop-folder.ts";
import type { RunLine, WatchEvent, WatchState, WatchView } from "./view.ts";

/** A dropped file to ingest as it stood when taken: its first `bytes`, past the `skipRows` an earlier version of it brought. */
export interface FileDrop {
  path: string;
  bytes: number;
  skipRows?: number;
}

/** What one dropped file gave the lake. */
export interface FileIngested {
  file: string;
  /** Rows the ingested bytes hold in all, those skipped and those read, or those an earlier drop of the same bytes held. */
  rowsInContent: number;
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
  ingest(files: readonly FileDrop[]): Promise<FileIngested[]>;
  /** Seals what is pending and starts its run; undefined when nothing was left to seal. */
  seal(trigger: ScheduledTrigger): Promise<StartedRun | undefined>;
  /** Resumes the oldest run left unfinished that nobody is executing; undefined when there is none. */
  resume(): Promise<StartedRun | undefined>;
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
  /** How long a file that was read must stay unchanged before it is moved to ingested/ (rows added before that are read too). */
  quietMs?: number;
  /** How many finished runs the view keeps. */
  lastRuns?: number;
}

/** Where watch appends its decisions and events, one JSON object a line, inside the lake directory. */
export const watchLogPath = (lake: string) => path.join(lake, "logs", "watch.jsonl");

/**
 * The always-on local pipeline: files settled in the folder are ingested, rows appended to them
 * later too, and once quiet they are moved to its ingested/ subfolder (a file changed any other way
 * after it was read is set aside in changed/, with the reason). Every tick the seal policy is asked
 * about what is pending, and a run it calls for is sealed and run while the next files keep
 * arriving. One run at a time: while one is running the tick waits, and the policy is asked again
 * as soon as it ends; a run left unfinished in the lake (a crash, an earlier stop) is resumed first.
 * Stopping ends the loops, then waits for an ingest or a run in progress (a second stop leaves the
 * run); what is pending stays in the lake's pending/ for the next start. A lake directory removed
 * under it stops it with an error rather than losing what was pending in silence.
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
  /** Whether to look for runs left unfinished before the next tick: at the start, and after each run. */
  #resumeDue = true;
  /** The lake directory as it was at the start: another one under the same path is not it. */
  #lakeIdentity: { dev: number; ino: number } | undefined;
  #failure: BadInputError | undefined;

  constructor(options: WatchOptions) {
    this.#options = options;
    const settleMs = options.settleMs ?? 2_000;
    this.#folder = new DropFolder(options.dir, settleMs, options.quietMs ?? 15 * settleMs);
    this.#calendar = buildCalendar(options.config);
    this.#lake = storeOnClock(options.runtime.store, options.clock);
  }

  /**
   * Runs until stop(); resolves once everything in progress has ended (or, stopped twice, been left).
   * Rejects with a BadInputError when the lake directory went away under it.
   */
  async run(): Promise<void> {
    const { config, runtime } = this.#options;
    await mkdir(path.dirname(watchLogPath(this.#options.lake)), { recursive: true });
    const lake = await stat(this.#options.lake);
    this.#lakeIdentity = { dev: lake.dev, ino: lake.ino };
    this.#emit(
      "started",
      `watching ${this.#options.dir}; markets ${this.#calendar.markets.join(", ")}, ` +
        `freshness ${config.freshnessMinutes} min, tick ${config.tickMinutes} min, shard ${runtime.shardRows}`,
    );
    await Promise.all([this.#folderLoop(), this.#tickLoop()]);
    if (this.#failure) throw this.#failure;
    if (this.#running) {
      const { runId } = this.#running;
      this.#emit("stopping", `waiting for run ${runId} to finish (stop again to leave it; "goldpipe replay ${runId}" finishes it later)`, {
        run_id: runId,
      });
      await Promise.race([this.#running.finished, this.#forced.promise]);
    }
    await this.#exclusive;
    if (this.#failure) throw this.#failure;
    // Files read whole and untouched since go to ingested/ now; one that changed stays, to be read at the next start.
    for (const file of await this.#folder.unchangedTakenFiles()) await this.#moveIngested(file, "all of it in the lake");
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
      if (!(await this.#lakeIsThere())) break;
      await this.#ingestReady().catch((error: unknown) =>
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
      if (!this.#running && this.#resumeDue) {
        this.#resumeDue = false;
        await this.#turn(() => this.#resume()).catch((error: unknown) =>
          this.#emit(
            "resume_failed",
            `resuming an unfinished run failed: ${(error as Error).message}; it is tried again after the next run`,
          ),
        );
      }
      if (!this.#running) {
        await this.#turn(() => this.#tick()).catch((error: unknown) =>
          this.#emit("tick_failed", `the scheduled seal failed: ${(error as Error).message}; what is pending stays for the next tick`),
        );
      }
      this.#render();
      await Promise.race([clock.sleep(config.tickMinutes * 60_000, this.#stop.signal), this.#wakeTick.promise]);
    }
  }

  /**
   * The lake directory is still the one watch started with. When it is gone (or another took its
   * place), what was pending in it is gone too: watch stops with an error saying so, rather than
   * filling a new, empty lake.
   */
  async #lakeIsThere(): Promise<boolean> {
    const now = await stat(this.#options.lake).catch(() => undefined);
    if (now && now.dev === this.#lakeIdentity?.dev && now.ino === this.#lakeIdentity.ino) return true;
    this.#failure = new BadInputError(
      `the lake directory ${this.#options.lake} was ${now ? "replaced" : "removed"} while watch was running; ` +
        "the headlines pending in it went with it, and the run in progress cannot finish",
      `restore the lake, or start watch again on a new lake and drop again the files in ${path.join(this.#options.dir, "ingested")}`,
    );
    this.#emit("lake_gone", this.#failure.message, { lake: this.#options.lake });
    this.#forced.resolve();
    this.#stop.abort();
    return false;
  }

  async #ingestReady(): Promise<void> {
    const { clock, runtime } = this.#options;
    const now = clock.now().getTime();
    for (const file of this.#folder.quietFiles(now)) {
      await this.#moveIngested(file, `unchanged for ${Math.round(this.#folder.quietMs / 1000)}s`);
    }
    const drops: { ready: ReadyFile; drop: FileDrop }[] = [];
    for (const ready of await this.#folder.readyFiles(now)) {
      if ((this.#failedFiles.get(ready.file) ?? 0) > now) continue;
      if (!ready.taken) {
        drops.push({ ready, drop: { path: ready.file, bytes: ready.size } });
        continue;
      }
      const appended = await this.#folder.appendedRows({ ...ready, taken: ready.taken });
      if (appended === true) {
        drops.push({ ready, drop: { path: ready.file, bytes: ready.size, skipRows: ready.taken.rows } });
        continue;
      }
      const movedTo = await this.#folder.setAside(ready.file);
      this.#emit(
        "set_aside",
        `${path.basename(ready.file)} changed after it was ingested: ${appended}. Its first ${ready.taken.rows} row(s) are in the lake; ` +
          `the file is set aside as ${path.relative(this.#options.dir, movedTo)}: drop what it added as a new file`,
        { file: ready.file, reason: appended, rows_ingested: ready.taken.rows, moved_to: movedTo },
      );
    }
    if (drops.length === 0) return;
    await this.#turn(async () => {
      let results: FileIngested[];
      try {
        results = await runtime.ingest(drops.map(({ drop }) => drop));
      } catch (error) {
        // Not the file's fault (a bad file is quarantined, not thrown): try again in a minute.
        for (const { ready } of drops) this.#failedFiles.set(ready.file, now + 60_000);
        this.#emit(
          "ingest_failed",
          `could not ingest ${drops.map(({ ready }) => path.basename(ready.file)).join(", ")}: ${(error as Error).message}; ` +
            "trying again in a minute",
        );
        return;
      }
      for (const [i, result] of results.entries()) {
        const { ready, drop } = drops[i]!;
        const name = path.basename(result.file);
        if (result.unreadable) {
          this.#failedFiles.set(result.file, now + 60_000);
          this.#emit("ingest_failed", `${name} not ingested: ${result.unreadable}; trying again in a minute`, { file: result.file });
          continue;
        }
        this.#folder.markTaken(ready, { ...(await versionOf(ready.file, ready.size)), rows: result.rowsInContent }, now);
        this.#failedFiles.delete(result.file);
        const what = drop.skipRows === undefined ? name : `${name} grew after ${drop.skipRows} row(s):`;
        const message = result.rejected
          ? `${name} rejected whole: ${result.rejected} (in the lake's quarantine/)`
          : result.duplicateOf
            ? `${name} is a repeat of ${result.duplicateOf}: nothing new`
            : `${what} ${result.rowsValid} headline(s) pending, ${result.rowsQuarantined} quarantined`;
        this.#emit("ingested", message, {
          file: result.file,
          rows_valid: result.rowsValid,
          rows_quarantined: result.rowsQuarantined,
          rows_before: drop.skipRows ?? 0,
          rejected: result.rejected ?? null,
          duplicate_of: result.duplicateOf ?? null,
        });
      }
      this.#pending = await pendingStats(this.#lake, this.#countCap());
    });
  }

  async #moveIngested(file: string, why: string): Promise<void> {
    const movedTo = await this.#folder.moveIngested(file);
    this.#emit("moved", `${path.basename(file)} ${why}: moved to ${path.relative(this.#options.dir, movedTo)}`, {
      file,
      moved_to: movedTo,
    });
  }

  async #resume(): Promise<void> {
    const run = await this.#options.runtime.resume();
    if (!run) return;
    this.#emit("resumed", `resuming run ${run.runId}, left unfinished (${run.rows} headline(s) in ${run.shards} shard(s))`, {
      run_id: run.runId,
    });
    this.#track(run, "resume");
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

  #track(run: StartedRun, trigger: ScheduledTrigger | "resume"): void {
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
    this.#resumeDue = true;
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

  /** Appends to the log made at the start; once the lake is gone, there is nowhere to log (nor a lake to make again). */
  #log(line: string): void {
    const file = watchLogPath(this.#options.lake);
    this.#logWrites = this.#logWrites.then(() => appendFile(file, `${line}\n`, { flag: "a" }).catch(() => undefined));
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
