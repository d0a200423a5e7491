import type { ObjectInfo, ObjectStore } from "../../functions/core/ports.ts";

/** The scheduler's sense of time, injected so tests and trials need not wait for the market. */
export interface Clock {
  now(): Date;
  /** Resolves after ms, or at once when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** A time read from the system (a file's mtime) on this clock. */
  fromSystemTime(date: Date): Date;
}

/** Real time, running from `start` instead of now when given (e.g. a Tuesday 10:00 New York to try the schedule on a Sunday). */
export function realClock(start?: Date): Clock {
  const shift = start ? start.getTime() - Date.now() : 0;
  return {
    now: () => new Date(Date.now() + shift),
    fromSystemTime: (date) => new Date(date.getTime() + shift),
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

/** The store with its objects' times read on the clock, so pending ages agree with the clock's now. */
export function storeOnClock(store: ObjectStore, clock: Clock): ObjectStore {
  const onClock = (info: ObjectInfo): ObjectInfo => ({ ...info, lastModified: clock.fromSystemTime(info.lastModified) });
  return {
    get: (key) => store.get(key),
    getStream: (key) => store.getStream(key),
    put: (key, body, options) => store.put(key, body, options),
    createIfAbsent: (key, body, options) => store.createIfAbsent(key, body, options),
    delete: (key) => store.delete(key),
    head: async (key) => {
      const info = await store.head(key);
      return info && onClock(info);
    },
    list: async function* (prefix) {
      for await (const info of store.list(prefix)) yield onClock(info);
    },
  };
}
