import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EventShapeError, parseEvent } from "../../../../functions/aws/parse-event.ts";

const schema = z.object({ run_id: z.string().min(1), attempts: z.coerce.number().int().default(1) });
const echo = middy()
  .use(parseEvent(schema))
  .handler(async (event: unknown) => event);

describe("parseEvent", () => {
  it("hands the function the parsed event, defaults and coercions applied", async () => {
    expect(await echo({ run_id: "run-a", attempts: "3" }, {} as Context)).toEqual({ run_id: "run-a", attempts: 3 });
    expect(await echo({ run_id: "run-a" }, {} as Context)).toEqual({ run_id: "run-a", attempts: 1 });
  });

  it("fails an event that does not fit, naming the function and every field that is wrong, on one line", async () => {
    const failure = await echo({ attempts: "many" }, { functionName: "goldpipe-dev-merge" } as Context).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EventShapeError);
    const { message, name } = failure as Error;
    expect(name).toBe("EventShapeError");
    expect(message).toMatch(/^goldpipe-dev-merge does not take this event: /);
    expect(message).toMatch(/run_id/);
    expect(message).toMatch(/attempts/);
    expect(message).toMatch(/docs\/contracts\.md/);
    expect(message).not.toContain("\n");
  });
});
