import { buildCalendar, type Calendar } from "../calendar/calendar.ts";
import type { Headline } from "../headline.ts";
import type { RealtimeScorer } from "../ports.ts";
import { criticalMatcher } from "./critical-rule.ts";
import type { RealtimeConfig } from "./realtime-config.ts";

/** What the fanout needs to route: the endpoint and the rule. */
export interface RealtimeRoute {
  scorer: RealtimeScorer;
  config: RealtimeConfig;
}

/** Where a headline the real-time path did not take goes instead: the batch path's sender. */
export type BatchFallback = (headline: Headline) => Promise<void> | undefined;

/**
 * The real-time half of one fanout: takes the critical headlines, sends them to the endpoint `batchSize` at
 * a time, and counts those landed. When the endpoint fails, that batch and every headline after it in this
 * fanout go to the batch path instead, so each valid headline goes exactly one way.
 */
export class RealtimeDispatch {
  /** Headlines the endpoint scored and landed. */
  landed = 0;
  /** Why the endpoint was given up on in this fanout, if it was. */
  failure: string | undefined;
  readonly #scorer: RealtimeScorer;
  readonly #isCritical: (headline: Headline) => boolean;
  readonly #batchSize: number;
  readonly #fallback: BatchFallback;
  #pending: Headline[] = [];

  constructor(route: RealtimeRoute, fallback: BatchFallback) {
    this.#scorer = route.scorer;
    this.#isCritical = criticalMatcher(route.config.critical);
    this.#batchSize = route.config.batchSize;
    this.#fallback = fallback;
  }

  /** True when the headline is the real-time path's: critical, and the endpoint has not failed in this fanout. */
  takes(headline: Headline): boolean {
    return this.failure === undefined && this.#isCritical(headline);
  }

  /** Adds a headline it takes; a promise comes back when a batch was sent (await it: that is the backpressure). */
  add(headline: Headline): Promise<void> | undefined {
    this.#pending.push(headline);
    return this.#pending.length >= this.#batchSize ? this.flush() : undefined;
  }

  /** Sends what is pending; on failure, hands it to the batch path. */
  async flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    if (this.failure === undefined) {
      try {
        await this.#scorer.score(batch);
        this.landed += batch.length;
        return;
      } catch (error) {
        this.failure = (error as Error)?.message ?? String(error);
      }
    }
    for (const headline of batch) await this.#fallback(headline);
  }
}

/**
 * The dispatch for a fanout starting at `now`, or undefined when everything goes to the batch: no endpoint
 * configured, an empty critical rule, or no session of the configured markets open.
 */
export function realtimeDispatchAt(
  route: RealtimeRoute | undefined,
  now: Date,
  fallback: BatchFallback,
  calendar?: Calendar,
): RealtimeDispatch | undefined {
  if (!route) return undefined;
  const { sources, keywords, symbols } = route.config.critical;
  if (sources.length + keywords.length + symbols.length === 0) return undefined;
  return (calendar ?? buildCalendar(route.config)).isOpen(now) ? new RealtimeDispatch(route, fallback) : undefined;
}
