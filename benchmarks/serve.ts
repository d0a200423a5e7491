// Latency of `goldpipe serve` under load, measured with autocannon on this machine: one generated gold
// headline per request, each landed in a scratch lake before its answer. For each server setting it prints
// p50/p95/p99, throughput and errors at a fixed rate (default 100 requests/s for 60 s), then searches for the
// highest rate whose p99 stays under the budget (default 100 ms). The baseline, measured in the same run,
// is the same server with micro-batching off (--max-batch-rows 1): one forward pass per request. Usage:
//   node benchmarks/serve.ts [--rate 100] [--seconds 60] [--budget-ms 100] [--search-seconds 15] [--model DIR]
// Latencies are client-side, request sent to answer read, over every request of the interval.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { generateHeadlines } from "../local/generator/headlines.ts";
import { DEFAULT_MODEL_DIR } from "../local/runtime/local-pipeline.ts";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "100" },
    seconds: { type: "string", default: "60" },
    "budget-ms": { type: "string", default: "100" },
    "search-seconds": { type: "string", default: "15" },
    model: { type: "string", default: DEFAULT_MODEL_DIR },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const BUDGET_MS = Number(values["budget-ms"]);
const SEARCH_SECONDS = Number(values["search-seconds"]);
const MODEL = path.resolve(values.model);
const BIN = path.resolve(import.meta.dirname, "../bin/goldpipe.mjs");
/** Requests in flight at most: enough that the load stays open-loop (sent at the rate, not after answers). */
const CONNECTIONS = 100;

const BODIES = [...generateHeadlines({ count: 5000, seed: 12 })].map((h) =>
  JSON.stringify({ id: h.id, headline: h.headline, published_at: h.published_at, symbols: h.symbols, source: h.source }),
);

interface Measured {
  setting: string;
  rate: number;
  seconds: number;
  requests: number;
  throughput: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  errors: number;
}

console.log(`goldpipe serve bench: model ${path.relative(process.cwd(), MODEL)}, ${os.cpus().length} CPUs, load average ${loadAverage()}`);
for (const [setting, args] of [
  ["micro-batching", []],
  ["baseline: one forward pass per request", ["--max-batch-rows", "1"]],
] as const) {
  const server = await startServe([...args]);
  try {
    await load(server.url, setting, 20, 5); // warm-up: model, connections, allocator
    print(await load(server.url, setting, RATE, SECONDS));
    const highest = await highestRate(server.url, setting);
    const metrics = (await (await fetch(`${server.url}/metrics`)).json()) as { scorer: Record<string, unknown> };
    const batching = { requests_per_batch: metrics.scorer.requests_per_batch, batch_rows: metrics.scorer.batch_rows };
    console.log(JSON.stringify({ setting, highest_rate_within_budget: highest?.rate ?? null, budget_ms: BUDGET_MS, ...batching }));
  } finally {
    await server.stop();
  }
}
console.log(`load average after: ${loadAverage()}`);

function print(measured: Measured) {
  console.log(JSON.stringify(measured));
}

/** Steps up by half until p99 passes the budget (or errors appear), then bisects twice between the last pass and the first fail. */
async function highestRate(url: string, setting: string): Promise<Measured | null> {
  let pass: Measured | null = null;
  let fail: number | null = null;
  for (let rate = 25; fail === null && rate <= 5000; rate = Math.ceil(rate * 1.5)) {
    const measured = await load(url, setting, rate, SEARCH_SECONDS);
    print(measured);
    if (withinBudget(measured)) pass = measured;
    else fail = rate;
  }
  for (let step = 0; step < 2 && pass && fail && fail - pass.rate > 5; step++) {
    const rate = Math.round((pass.rate + fail) / 2);
    const measured = await load(url, setting, rate, SEARCH_SECONDS);
    print(measured);
    if (withinBudget(measured)) pass = measured;
    else fail = rate;
  }
  return pass;
}

function withinBudget(m: Measured): boolean {
  return m.p99_ms < BUDGET_MS && m.errors <= m.requests * 0.001 && m.throughput >= m.rate * 0.95;
}

async function load(url: string, setting: string, rate: number, seconds: number): Promise<Measured> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const instance = autocannon({
    url: `${url}/invocations`,
    connections: CONNECTIONS,
    overallRate: rate,
    duration: seconds,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        setupRequest: (request: Record<string, unknown>) => ({ ...request, body: BODIES[next++ % BODIES.length] }),
      },
    ],
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
    if (status !== 200) errors++;
  });
  const result = await instance;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10 : NaN;
  return {
    setting,
    rate,
    seconds,
    requests: sorted.length,
    throughput: Math.round((sorted.length / result.duration) * 10) / 10,
    p50_ms: at(0.5),
    p95_ms: at(0.95),
    p99_ms: at(0.99),
    errors: errors + result.errors + result.timeouts,
  };
}

async function startServe(args: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const lake = await mkdtemp(path.join(os.tmpdir(), "goldpipe-bench-serve-"));
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, "serve", "--lake", lake, "--model", MODEL, "--port", String(port), "--merge-seconds", "30", "--json", ...args],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.on("line", (line) => {
      if ((JSON.parse(line) as { event?: string }).event === "ready") resolve();
    });
    child.once("exit", (code) => reject(new Error(`goldpipe serve exited ${code} before it was ready`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGTERM");
      await once(child, "exit");
      await rm(lake, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  return port;
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");
}
