import type { Headline, ScoredHeadline } from "../../functions/core/headline.ts";
import type { RealtimeScorer } from "../../functions/core/ports.ts";
import { parseScoredAnswer } from "../../functions/core/realtime/scored-answer.ts";

/** The endpoint answered with an error: its HTTP status, and when to retry if it said so. */
export class EndpointError extends Error {
  override name = "EndpointError";
  readonly status: number;
  readonly retryAfter: string | null;
  readonly reason: string;
  constructor(url: string, status: number, retryAfter: string | null, reason: string) {
    super(`the real-time endpoint ${url} answered ${status}${retryAfter ? ` (retry after ${retryAfter} s)` : ""}: ${reason}`);
    this.status = status;
    this.retryAfter = retryAfter;
    this.reason = reason;
  }
}

/** How long a call may take before its headlines go to the batch path instead. */
const DEFAULT_TIMEOUT_MS = 5000;

/**
 * A real-time endpoint over HTTP, SageMaker's /invocations contract: `goldpipe serve` (which lands what it
 * answers), or the gpu-job's server itself. `url` is the server's root, e.g. http://127.0.0.1:8080.
 */
export class HttpRealtimeScorer implements RealtimeScorer {
  readonly #invocations: string;
  readonly #timeoutMs: number;

  constructor(url: string, options: { timeoutMs?: number } = {}) {
    this.#invocations = new URL("invocations", url.endsWith("/") ? url : `${url}/`).href;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async score(headlines: Headline[]): Promise<ScoredHeadline[]> {
    const answer = await fetch(this.#invocations, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(headlines),
      signal: AbortSignal.timeout(this.#timeoutMs),
    }).catch((error: Error) => {
      throw new Error(`the real-time endpoint ${this.#invocations} cannot be reached: ${error.cause ?? error.message}`);
    });
    const body = await answer.text();
    if (!answer.ok) throw new EndpointError(this.#invocations, answer.status, answer.headers.get("retry-after"), errorOf(body));
    return parseScoredAnswer(body, headlines);
  }
}

function errorOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
  } catch {}
  return body.slice(0, 200);
}
