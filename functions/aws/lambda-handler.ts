import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import type { z } from "zod";
import { parseEvent } from "./parse-event.ts";

/**
 * The functions' one logger: a JSON object a line with `message` (what happened, in words), `event`
 * (its kind) where a line has one, the fields beside them, and Powertools' own keys (level,
 * function, request id, cold start, correlation id).
 */
export const logger = new Logger({ serviceName: "goldpipe", environment: process.env.STAGE });

export interface HandlerOptions<E> {
  /** What ties this invocation's log lines to others', e.g. the run id. */
  correlationId?: (event: E) => string | undefined;
  /** Middlewares between the parsed event and the function, e.g. SQS partial batch failures. */
  use?: MiddlewareObj[];
}

/**
 * Every function's handler: Powertools' Lambda context in the log, the event parsed with the
 * function's schema (parse-event.ts), then `run`, which calls the function's testable export with
 * the AWS ports.
 */
export function lambdaHandler<S extends z.ZodType, R>(
  schema: S,
  run: (event: z.output<S>, context: Context) => Promise<R>,
  options: HandlerOptions<z.output<S>> = {},
) {
  type Event = z.output<S>;
  const correlate: MiddlewareObj<unknown> = {
    before: (request) => {
      const id = options.correlationId?.(request.event as Event);
      if (id) logger.setCorrelationId(id);
    },
  };
  // The event arrives as anything; parseEvent has made it an Event by the time `run` sees it.
  return middy<unknown, R>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(parseEvent(schema))
    .use(correlate)
    .use(options.use ?? [])
    .handler((event: unknown, context: Context) => run(event as Event, context));
}
