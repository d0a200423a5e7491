import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Headline, ScoredHeadline } from "../../functions/core/headline.ts";
import { isRowProblem, normalizeRecord } from "../../functions/core/ingest/normalize.ts";
import type { RealtimeScorer } from "../../functions/core/ports.ts";
import { EndpointError } from "../adapters/http-realtime-scorer.ts";
import { requestRecords, type BodyShape } from "./request-body.ts";

/** origin.file of a headline posted to goldpipe serve; origin.line is its place in the request. */
export const SERVE_ORIGIN = "goldpipe-serve";
/** SageMaker's own limit on an InvokeEndpoint payload. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

export interface FrontOptions {
  /** Scores and lands: landedScorer around the gpu-job server. */
  scorer: RealtimeScorer;
  /** The gpu-job server's root URL, for /ping and /metrics. */
  scorerUrl: string;
  /** Figures of goldpipe serve's own to add to /metrics (landings, merges). */
  figures: () => Record<string, unknown>;
  now?: () => Date;
}

class Refusal extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

/**
 * goldpipe serve's HTTP side: SageMaker's contract (GET /ping, POST /invocations, GET /metrics) in front of
 * the gpu-job server. Each posted headline is normalized as ingest does it (its id, its published time,
 * which defaults to the time it arrived), scored, and landed in the lake before the answer goes out.
 */
export function createFront(options: FrontOptions): Server {
  const now = options.now ?? (() => new Date());
  const counts = { requests: 0, headlines: 0, rejected: {} as Record<string, number> };
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const route = `${request.method} ${(request.url ?? "/").split("?")[0]}`;
    if (route === "GET /ping") return proxy(response, `${options.scorerUrl}/ping`);
    if (route === "GET /metrics") {
      const scorer = await fetch(`${options.scorerUrl}/metrics`).then(
        (answer) => answer.json() as Promise<unknown>,
        () => null,
      );
      return send(response, 200, { serve: { ...counts, ...options.figures() }, scorer });
    }
    if (route !== "POST /invocations") throw new Refusal(404, `no route ${route}: GET /ping, POST /invocations, GET /metrics`);
    const { shape, headlines } = toHeadlines(await readBody(request), request.headers["content-type"], now());
    const scored = await options.scorer.score(headlines).catch((error: unknown) => {
      if (error instanceof EndpointError && error.status < 500) throw new Refusal(error.status, error.reason);
      if (error instanceof EndpointError && error.status === 503) {
        throw new Refusal(503, error.reason, error.retryAfter ? { "retry-after": error.retryAfter } : {});
      }
      throw new Refusal(502, `scoring failed: ${(error as Error)?.message ?? String(error)}`);
    });
    counts.requests++;
    counts.headlines += scored.length;
    return answer(response, scored, shape);
  };
  return createServer({ keepAlive: true }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      const refusal = error instanceof Refusal ? error : new Refusal(500, `internal error: ${(error as Error)?.message ?? String(error)}`);
      const reason = refusal.status === 503 ? "unavailable" : refusal.status >= 500 ? "error" : "bad_request";
      counts.rejected[reason] = (counts.rejected[reason] ?? 0) + 1;
      send(response, refusal.status, { error: refusal.message }, refusal.headers);
    });
  });
}

function toHeadlines(body: string, contentType: string | undefined, receivedAt: Date): { shape: BodyShape; headlines: Headline[] } {
  const parsed = requestRecords(body, contentType);
  if (typeof parsed === "string") throw new Refusal(400, parsed);
  if (parsed.records.length === 0) throw new Refusal(400, "the request holds no headline");
  const headlines = parsed.records.map((record, i) => {
    record.values.published_at ??= receivedAt.toISOString();
    const headline = normalizeRecord(record, SERVE_ORIGIN, receivedAt.getTime(), true);
    if (isRowProblem(headline)) {
      const where = parsed.shape === "object" ? "the request" : `item ${i}`;
      throw new Refusal(400, `${where}: ${headline.reason} (${headline.detail})`);
    }
    return headline;
  });
  return { shape: parsed.shape, headlines };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new Refusal(413, `the body is larger than ${MAX_BODY_BYTES} bytes: split the request`);
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) throw new Refusal(413, `the body is larger than ${MAX_BODY_BYTES} bytes: split the request`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function answer(response: ServerResponse, scored: ScoredHeadline[], shape: BodyShape) {
  if (shape === "jsonl") {
    response.writeHead(200, { "content-type": "application/jsonlines" });
    response.end(scored.map((row) => `${JSON.stringify(row)}\n`).join(""));
    return;
  }
  send(response, 200, shape === "object" ? scored[0] : scored);
}

async function proxy(response: ServerResponse, url: string) {
  const upstream = await fetch(url).catch(() => undefined);
  if (!upstream) return send(response, 503, { error: "the scoring server is not running" }, { "retry-after": "5" });
  const retry = upstream.headers.get("retry-after");
  response.writeHead(upstream.status, { "content-type": "application/json", ...(retry ? { "retry-after": retry } : {}) });
  response.end(await upstream.text());
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}
