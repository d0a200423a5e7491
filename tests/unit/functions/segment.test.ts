import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Context } from "aws-lambda";
import { logger } from "../../../functions/aws/lambda-handler.ts";
import { handler, segmentMessages } from "../../../functions/segment.ts";
import { DirectoryObjectStore } from "../../../local/adapters/directory-object-store.ts";

let lake: string;
let store: DirectoryObjectStore;
beforeEach(async () => {
  lake = await mkdtemp(path.join(tmpdir(), "segment-handler-test-"));
  store = new DirectoryObjectStore(lake);
  vi.spyOn(logger, "error").mockImplementation(() => {});
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(lake, { recursive: true, force: true });
});

const message = (seq: number) =>
  JSON.stringify({
    file: "incoming/a.csv",
    sha256: "c".repeat(64),
    seq,
    headlines: [
      {
        id: `h-${seq}`,
        headline: "Gold up",
        published_at: "2024-03-01T00:00:00.000Z",
        symbols: [],
        source: null,
        url: null,
        origin: { file: "incoming/a.csv", line: seq + 2 },
      },
    ],
  });

describe("segmentMessages", () => {
  it("writes the usable messages and reports the others as batch item failures", async () => {
    const response = await segmentMessages(store, {
      Records: [
        { messageId: "1", body: message(0) },
        { messageId: "2", body: "{}" },
        { messageId: "3", body: message(1) },
      ],
    });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "2" }] });
    expect(await readdir(path.join(lake, "pending"))).toHaveLength(1);
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringMatching(/^headline message 2 is unusable: not a headline message: /),
      expect.objectContaining({ event: "unusable_headline_message", messageId: "2" }),
    );
  });

  it("refuses an event that is not an SQS event, so the whole batch is retried", async () => {
    await expect(handler({ Records: [{ body: "x" }] }, {} as Context)).rejects.toThrow(/does not take this event[\s\S]*messageId/);
  });
});
