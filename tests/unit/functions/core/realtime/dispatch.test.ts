import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Headline, ScoredHeadline } from "../../../../../functions/core/headline.ts";
import { fanoutFile } from "../../../../../functions/core/ingest/fanout.ts";
import { HeadlineMessageSchema } from "../../../../../functions/core/ingest/headline-messages.ts";
import { findIngestRecord } from "../../../../../functions/core/ingest/ingest-record.ts";
import type { QueueMessage, RealtimeScorer } from "../../../../../functions/core/ports.ts";
import { RealtimeDispatch, realtimeDispatchAt } from "../../../../../functions/core/realtime/dispatch.ts";
import { RealtimeConfigSchema } from "../../../../../functions/core/realtime/realtime-config.ts";
import { DirectoryObjectStore } from "../../../../../local/adapters/directory-object-store.ts";

/** An endpoint that labels by a word of the headline; fails every call while `failing`. */
class WordEndpoint implements RealtimeScorer {
  calls: string[][] = [];
  failing = false;
  async score(headlines: Headline[]): Promise<ScoredHeadline[]> {
    this.calls.push(headlines.map((h) => h.id));
    if (this.failing) throw new Error("the real-time endpoint answered 503: busy");
    return headlines.map((h) => ({
      ...h,
      label: /falls|slumps/i.test(h.headline) ? "negative" : "positive",
      score: 0.9,
      probs: { positive: 0.9, neutral: 0.05, negative: 0.05 },
      intensity: "strong",
      model: "m",
      run_id: "realtime",
      shard_id: "realtime",
      scored_at: "2026-01-13T15:00:01.000Z",
      price_direction: null,
      price_direction_score: null,
    }));
  }
}

const config = RealtimeConfigSchema.parse({ markets: ["nyse"], critical: { keywords: ["Fed"], symbols: ["GLD"] }, batchSize: 2 });
// NYSE: Tuesday 13 January 2026, 10:00 New York is in the session; Saturday the 17th is not.
const IN_SESSION = new Date("2026-01-13T15:00:00Z");
const SATURDAY = new Date("2026-01-17T15:00:00Z");

const CSV = [
  "id,headline,published_at,symbols,source",
  "a,Gold rises as Fed holds,2026-01-13T14:00:00Z,,wire",
  "b,Gold steady in quiet trade,2026-01-13T14:01:00Z,,wire",
  "c,GLD holdings rise,2026-01-13T14:02:00Z,GLD,wire",
  "d,Fed minutes: gold falls,2026-01-13T14:03:00Z,,wire",
  "e,Silver slumps,2026-01-13T14:04:00Z,SLV,wire",
  "f,bad row,not a date,,wire",
].join("\n");

let lake: string;
let store: DirectoryObjectStore;
let sent: QueueMessage[];
const queue = {
  sendBatch: async (messages: QueueMessage[]) => {
    sent.push(...messages);
    return { failed: [] };
  },
};
const queued = () => sent.flatMap((m) => HeadlineMessageSchema.parse(JSON.parse(m.body)).headlines.map((h) => h.id));

beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "goldpipe-route-"));
  store = new DirectoryObjectStore(lake);
  sent = [];
  await store.put("incoming/news.csv", CSV);
});
afterEach(async () => {
  await rm(lake, { recursive: true, force: true });
});

describe("hybrid routing in the fanout", () => {
  it("in a session, sends critical headlines to the endpoint and the rest to the batch, each valid row one way", async () => {
    const endpoint = new WordEndpoint();
    const result = await fanoutFile({ store, queue, realtime: { scorer: endpoint, config } }, "incoming/news.csv", {
      now: IN_SESSION.getTime(),
    });

    expect(endpoint.calls).toEqual([["a", "c"], ["d"]]);
    expect(queued().sort()).toEqual(["b", "e"]);
    expect(result).toMatchObject({ rows_read: 6, rows_valid: 5, rows_quarantined: 1, rows_realtime: 3, realtime_failure: null });
    const record = await findIngestRecord(store, result!.sha256!);
    expect(record).toMatchObject({ rows_valid: 5, rows_realtime: 3 });
  });

  it("outside every session, sends everything to the batch", async () => {
    const endpoint = new WordEndpoint();
    const result = await fanoutFile({ store, queue, realtime: { scorer: endpoint, config } }, "incoming/news.csv", {
      now: SATURDAY.getTime(),
    });

    expect(endpoint.calls).toEqual([]);
    expect(queued().sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(result).toMatchObject({ rows_valid: 5, rows_realtime: 0 });
  });

  it("when the endpoint fails, sends that batch and every later critical headline to the batch: nothing is lost", async () => {
    const endpoint = new WordEndpoint();
    endpoint.failing = true;
    const result = await fanoutFile({ store, queue, realtime: { scorer: endpoint, config } }, "incoming/news.csv", {
      now: IN_SESSION.getTime(),
    });

    expect(endpoint.calls).toEqual([["a", "c"]]);
    expect(queued().sort()).toEqual(["a", "b", "c", "d", "e"]);
    expect(result).toMatchObject({ rows_valid: 5, rows_realtime: 0, realtime_failure: "the real-time endpoint answered 503: busy" });
  });

  it("without an endpoint or with an empty rule, routes nothing", () => {
    const endpoint = new WordEndpoint();
    const empty = RealtimeConfigSchema.parse({ markets: ["nyse"] });
    expect(realtimeDispatchAt(undefined, IN_SESSION, () => undefined)).toBeUndefined();
    expect(realtimeDispatchAt({ scorer: endpoint, config: empty }, IN_SESSION, () => undefined)).toBeUndefined();
    expect(realtimeDispatchAt({ scorer: endpoint, config }, IN_SESSION, () => undefined)).toBeInstanceOf(RealtimeDispatch);
  });
});
