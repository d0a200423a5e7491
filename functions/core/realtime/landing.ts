import { randomUUID } from "node:crypto";
import type { ScoredHeadline } from "../headline.ts";
import { realtimeLandedKey } from "../lake-keys.ts";
import type { ObjectStore, RealtimeScorer } from "../ports.ts";

interface Waiting {
  rows: readonly ScoredHeadline[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Lands scored headlines in the lake, `realtime/landed/<time>-<tag>.jsonl` (one scored headline per line),
 * before their caller is answered. Group commit: while one object is being stored, the rows that arrive
 * wait and go together into the next, so under load one put serves many requests and adds no fixed delay.
 */
export class RealtimeLanding {
  readonly #store: ObjectStore;
  readonly #now: () => Date;
  readonly #tag = randomUUID().slice(0, 8);
  #sequence = 0;
  #waiting: Waiting[] = [];
  #writing = false;

  constructor(store: ObjectStore, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#now = now;
  }

  /** Resolves once the rows are stored in the lake; rejects when the store refused them. */
  land(rows: readonly ScoredHeadline[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ rows, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    while (this.#waiting.length > 0) {
      const group = this.#waiting;
      this.#waiting = [];
      const lines = group.flatMap(({ rows }) => rows.map((row) => `${JSON.stringify(row)}\n`)).join("");
      const key = realtimeLandedKey(this.#now(), `${this.#tag}-${String(this.#sequence++).padStart(8, "0")}`);
      try {
        await this.#store.put(key, lines, { contentType: "application/x-ndjson" });
        for (const waiting of group) waiting.resolve();
      } catch (error) {
        for (const waiting of group) waiting.reject(error);
      }
    }
    this.#writing = false;
  }
}

/** A scorer whose answers are landed in the lake before they are returned (the RealtimeScorer contract). */
export function landedScorer(scorer: RealtimeScorer, landing: RealtimeLanding): RealtimeScorer {
  return {
    async score(headlines) {
      const scored = await scorer.score(headlines);
      await landing.land(scored);
      return scored;
    },
  };
}
