import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { BadInputError } from "../../functions/core/errors.ts";
import { defaultPython, GPU_JOB_DIR } from "../runtime/processing-job-runner.ts";

/** How long the server may take to start and load the model before goldpipe serve gives up. */
const READY_TIMEOUT_MS = 180_000;
const PING_INTERVAL_MS = 250;

export interface ScorerProcess {
  /** The server's root URL on the loopback interface. */
  url: string;
  /** Resolves once /ping answers 200; rejects with the server's last words if it stops first. */
  ready: Promise<void>;
  /** Resolves when the process has ended. */
  exited: Promise<number | null>;
  /** SIGTERM, then waits for the process to end. */
  stop(): Promise<void>;
}

/**
 * The gpu-job's real-time server (`python -m goldpipe_scorer serve`) as a child process on a loopback
 * port, as SageMaker hosting starts the image; its log goes to logFile.
 */
export async function startScorerProcess(options: {
  model: string;
  port: number;
  logFile: string;
  python?: string;
  args?: readonly string[];
}): Promise<ScorerProcess> {
  await mkdir(path.dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: "a" });
  const args = [
    "-m",
    "goldpipe_scorer",
    "serve",
    "--model-dir",
    options.model,
    "--host",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--exit-with-parent",
  ];
  const child = spawn(options.python ?? defaultPython(), [...args, ...(options.args ?? [])], {
    env: { ...process.env, PYTHONPATH: [GPU_JOB_DIR, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    tail = (tail + text).slice(-2000);
    log.write(text);
  });
  child.stdout.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => {
    child.on("error", () => resolve(null));
    child.on("close", (code) => {
      log.end();
      resolve(code);
    });
  });
  const url = `http://127.0.0.1:${options.port}`;
  const ready = (async () => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let ended = false;
    void exited.then(() => {
      ended = true;
    });
    while (!ended) {
      const status = await fetch(`${url}/ping`).then(
        (answer) => answer.status,
        () => 0,
      );
      if (status === 200) return;
      if (Date.now() > deadline)
        throw new Error(`the scoring server did not become healthy in ${READY_TIMEOUT_MS / 1000} s; see ${options.logFile}`);
      await new Promise((resolve) => setTimeout(resolve, PING_INTERVAL_MS));
    }
    const lastWords = tail.trim().split("\n").slice(-3).join(" ");
    throw new BadInputError(
      `the scoring server stopped before it was ready: ${lastWords || "no message"}`,
      `its log is ${options.logFile}`,
    );
  })();
  return {
    url,
    ready,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
