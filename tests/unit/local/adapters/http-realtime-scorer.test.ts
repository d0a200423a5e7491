import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Headline } from "../../../../functions/core/headline.ts";
import { EndpointError, HttpRealtimeScorer } from "../../../../local/adapters/http-realtime-scorer.ts";
import { scoredHeadline } from "../../../support/scored-fixtures.ts";

let server: Server | undefined;
afterEach(async () => {
  server?.close();
  server = undefined;
});

/** A server answering every request with status, body and headers; resolves to its URL and what it was sent. */
async function endpoint(status: number, answer: unknown, headers: Record<string, string> = {}) {
  const received: { url?: string; body: string; type?: string } = { body: "" };
  server = createServer(async (request, response) => {
    for await (const chunk of request) received.body += chunk;
    received.url = request.url;
    received.type = request.headers["content-type"];
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(JSON.stringify(answer));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const headline = (id: string): Headline => ({
  id,
  headline: `Gold moves on headline ${id}`,
  published_at: "2024-03-01T14:30:00.000Z",
  symbols: [],
  tagged_symbols: [],
  source: null,
  url: null,
  origin: { file: "incoming/a.csv", line: 2 },
});

describe("HttpRealtimeScorer", () => {
  it("posts the headlines as a JSON list to /invocations and returns the scored headlines", async () => {
    const { url, received } = await endpoint(200, [scoredHeadline({ id: "a" })]);

    const scored = await new HttpRealtimeScorer(url).score([headline("a")]);

    expect(scored.map((row) => [row.id, row.label])).toEqual([["a", "positive"]]);
    expect(received.url).toBe("/invocations");
    expect(received.type).toBe("application/json");
    expect(JSON.parse(received.body)).toEqual([headline("a")]);
  });

  it("turns an error answer into an EndpointError with its status, reason and Retry-After", async () => {
    const { url } = await endpoint(503, { error: "the server is busy" }, { "retry-after": "1" });

    const failure = await new HttpRealtimeScorer(url).score([headline("a")]).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(EndpointError);
    expect(failure).toMatchObject({ status: 503, retryAfter: "1", reason: "the server is busy" });
    expect((failure as Error).message).toBe(`the real-time endpoint ${url}/invocations answered 503 (retry after 1 s): the server is busy`);
  });

  it("says when the endpoint cannot be reached", async () => {
    const { url } = await endpoint(200, []);
    server!.close();
    await once(server!, "close");

    await expect(new HttpRealtimeScorer(url).score([headline("a")])).rejects.toThrow(
      `the real-time endpoint ${url}/invocations cannot be reached`,
    );
  });
});
