import { once } from "node:events";
import { createServer } from "node:net";
import path from "node:path";
import { BadInputError } from "../../../functions/core/errors.ts";
import { landedScorer, RealtimeLanding } from "../../../functions/core/realtime/landing.ts";
import { settleRealtime, type RealtimeMergeResult } from "../../../functions/core/realtime/merge-realtime.ts";
import { DirectoryObjectStore } from "../../adapters/directory-object-store.ts";
import { HttpRealtimeScorer } from "../../adapters/http-realtime-scorer.ts";
import { refreshLocalCatalog } from "../../query/lake-catalog.ts";
import { repositoryTableDefinition } from "../../query/table-definition.ts";
import { DEFAULT_MODEL_DIR, LOCAL_BUCKET } from "../../runtime/local-pipeline.ts";
import { createFront } from "../../serve/front.ts";
import { startScorerProcess } from "../../serve/scorer-process.ts";
import type { Command, CommandContext } from "../command.ts";
import { EXIT } from "../exit-codes.mjs";
import { countOption, modelDirFor } from "../local-run.ts";

const DEFAULT_PORT = 8080;
const DEFAULT_MERGE_SECONDS = 30;
/** A scoring call that takes longer than this is answered 502 (the server's own queue answers 503 long before). */
const SCORING_TIMEOUT_MS = 30_000;
/** How long a stop waits for requests in flight. */
const DRAIN_MS = 10_000;

const serve: Command = {
  name: "serve",
  summary: "score headlines in real time over HTTP (SageMaker's /ping and /invocations) and land them in the lake",
  usage:
    "goldpipe serve [--port N] [--model DIR] [--lake DIR] [--merge-seconds N] " +
    "[--max-batch-rows N] [--max-batch-delay-ms MS] [--max-queue-rows N] [--json]",
  options: {
    port: { type: "string", value: "N", description: `the port to listen on, on 127.0.0.1 (default ${DEFAULT_PORT})` },
    model: { type: "string", value: "DIR", description: `the Hugging Face model to serve (default ${DEFAULT_MODEL_DIR})` },
    "merge-seconds": {
      type: "string",
      value: "N",
      description: `how often landed headlines are merged into the curated table (default ${DEFAULT_MERGE_SECONDS})`,
    },
    "max-batch-rows": { type: "string", value: "N", description: "headlines in one forward pass (default 32 on a CPU)" },
    "max-batch-delay-ms": { type: "string", value: "MS", description: "how long an idle model waits for a batch to fill (default 2)" },
    "max-queue-rows": { type: "string", value: "N", description: "headlines waiting before requests get 503 (default 1024)" },
  },
  async run({ positionals, values }, context) {
    if (positionals.length > 0) throw new BadInputError(`serve takes no file (got ${positionals[0]})`, "see goldpipe serve --help");
    const port = countOption(values, "port", 65535) ?? DEFAULT_PORT;
    const mergeSeconds = countOption(values, "merge-seconds", 3600) ?? DEFAULT_MERGE_SECONDS;
    const model = modelDirFor(values);
    const scorerArgs = ["max-batch-rows", "max-batch-delay-ms", "max-queue-rows"].flatMap((name) =>
      typeof values[name] === "string" ? [`--${name}`, values[name] as string] : [],
    );
    const say = saying(context);
    const store = new DirectoryObjectStore(context.lake);
    const catalog = { refresh: async (query: string) => void (await refreshLocalCatalog(context.lake, query)) };
    const figures = { merges: 0, rows_curated: 0, duplicates: 0, last_merge_at: null as string | null };

    const scorer = await startScorerProcess({
      model,
      port: await freePort(),
      logFile: path.join(context.lake, "logs", "serve.log"),
      args: scorerArgs,
    });
    const front = createFront({
      scorer: landedScorer(new HttpRealtimeScorer(scorer.url, { timeoutMs: SCORING_TIMEOUT_MS }), new RealtimeLanding(store)),
      scorerUrl: scorer.url,
      figures: () => figures,
    });
    const merge = async () => {
      const merged = await settleRealtime({ store, catalog, table: repositoryTableDefinition(), bucket: LOCAL_BUCKET });
      if (!merged) return;
      figures.merges++;
      figures.rows_curated += merged.rows_curated;
      figures.duplicates += merged.duplicates;
      figures.last_merge_at = new Date().toISOString();
      say(mergeLine(merged), { event: "merge", ...merged });
    };
    let stopping = false;
    // Requests in flight are answered (and so landed) before the scoring server stops.
    const stop = () => {
      if (stopping) return;
      stopping = true;
      front.close(() => void scorer.stop());
      setTimeout(() => front.closeAllConnections(), DRAIN_MS).unref();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    try {
      front.listen(port, "127.0.0.1");
      await Promise.race([once(front, "listening"), once(front, "error").then(([error]) => Promise.reject(listenError(error, port)))]);
      await merge();
      await scorer.ready;
      say(
        `goldpipe serve: http://127.0.0.1:${port} (POST /invocations, GET /ping, GET /metrics) with ${model}; ` +
          `landed headlines are merged into ${context.lake} every ${mergeSeconds} s. Ctrl-C stops.`,
        { event: "ready", url: `http://127.0.0.1:${port}`, model, lake: context.lake, merge_seconds: mergeSeconds },
      );
      while (!stopping) {
        const tick = new Promise((resolve) => setTimeout(resolve, mergeSeconds * 1000).unref());
        if ((await Promise.race([tick, scorer.exited.then(() => "exited")])) === "exited") break;
        if (!stopping) await merge();
      }
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      front.close();
      front.closeAllConnections();
      await scorer.stop();
      await merge();
    }
    if (!stopping) throw new Error(`the scoring server stopped on its own; its log is ${path.join(context.lake, "logs", "serve.log")}`);
    say("goldpipe serve: stopped; every acknowledged headline is in the lake", { event: "stopped" });
    return EXIT.ok;
  },
};
export default serve;

function saying(context: CommandContext) {
  return (line: string, json: Record<string, unknown>) =>
    context.json ? context.stdout.write(`${JSON.stringify(json)}\n`) : context.stderr.write(`${line}\n`);
}

function mergeLine(merged: RealtimeMergeResult): string {
  return (
    `merged ${merged.rows_scored} real-time headlines (${merged.landed_objects} landings): ${merged.rows_curated} curated, ` +
    `${merged.duplicates} already in the table (run ${merged.run_id})`
  );
}

function listenError(error: NodeJS.ErrnoException, port: number): Error {
  if (error.code === "EADDRINUSE") return new BadInputError(`port ${port} is already in use`, "pass --port with a free one");
  if (error.code === "EACCES") return new BadInputError(`port ${port} may not be opened by this user`, "pass --port above 1023");
  return error;
}

/** A port the system says is free on the loopback interface, for the scoring server behind the front. */
async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, "close");
  return port;
}
