/** The scheduler's sense of time, injected so tests and trials need not wait for the market. */
export interface Clock {
  now(): Date;
  /** Resolves after ms, or at once when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Real time, running from `start` instead of now when given (e.g. a Tuesday 10:00 New York to try the schedule on a Sunday). */
export function realClock(start?: Date): Clock {
  const shift = start ? start.getTime() - Date.now() : 0;
  return {
    now: () => new Date(Date.now() + shift),
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        if (signal.aborted) return resolve();
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        }
        signal.addEventListener("abort", done, { once: true });
      }),
  };
}
