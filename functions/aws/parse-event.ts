import type { MiddlewareObj } from "@middy/core";
import { z } from "zod";

/** An invocation whose event is not the one the function takes; Lambda reports the name as the error type. */
export class EventShapeError extends Error {
  override name = "EventShapeError";
}

/**
 * Parses the event with the function's schema before the handler runs, so the handler gets the typed
 * event. An event that does not fit fails the invocation with what was wrong in it, field by field.
 */
export function parseEvent<S extends z.ZodType>(schema: S): MiddlewareObj<unknown> {
  return {
    before: (request) => {
      const parsed = schema.safeParse(request.event);
      if (!parsed.success) {
        const problems = z.prettifyError(parsed.error).replace(/\n\s*/g, " ");
        throw new EventShapeError(
          `${request.context.functionName || "the function"} does not take this event: ${problems} ` +
            "(docs/contracts.md lists the events each function takes)",
        );
      }
      request.event = parsed.data;
    },
  };
}
