import type { Context } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { lambdaHandler, logger } from "../../../../functions/aws/lambda-handler.ts";

const context = { functionName: "goldpipe-test-report", awsRequestId: "req-1", memoryLimitInMB: "256" } as unknown as Context;

let lines: Record<string, unknown>[];
beforeEach(() => {
  lines = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    lines.push(JSON.parse(String(chunk)));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const handler = lambdaHandler(
  z.object({ run_id: z.string() }),
  async (event) => {
    logger.info(`reporting ${event.run_id}`, { event: "report_started", run_id: event.run_id });
    return event.run_id.length;
  },
  { correlationId: (event) => event.run_id },
);

describe("lambdaHandler", () => {
  it("runs the function on the parsed event and answers what it returns", async () => {
    expect(await handler({ run_id: "run-abc" }, context)).toBe(7);
  });

  it("logs one JSON object a line: message, the event's kind and fields, the invocation and its correlation id", async () => {
    await handler({ run_id: "run-abc" }, context);
    expect(lines).toEqual([
      expect.objectContaining({
        level: "INFO",
        message: "reporting run-abc",
        event: "report_started",
        run_id: "run-abc",
        service: "goldpipe",
        function_name: "goldpipe-test-report",
        function_request_id: "req-1",
        correlation_id: "run-abc",
        cold_start: expect.any(Boolean),
      }),
    ]);
  });

  it("refuses an event that does not fit before the function runs", async () => {
    await expect(handler({ run: "run-abc" }, context)).rejects.toThrow(/goldpipe-test-report does not take this event[\s\S]*run_id/);
    expect(lines).toEqual([]);
  });
});
