import { spawn } from "node:child_process";
import path from "node:path";

const BIN = path.resolve(import.meta.dirname, "../../bin/goldpipe.mjs");

export interface GoldpipeProcess {
  pid: number;
  /** Everything it wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Its end: the exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  signal(signal: NodeJS.Signals): void;
}

/** `goldpipe ARGS…` as its own process, as a user runs it, with env added to this process's environment. */
export function startGoldpipe(args: string[], env: Record<string, string | undefined> = {}): GoldpipeProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, GOLDPIPE_CHAOS: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { pid: child.pid!, output: () => ({ stdout, stderr }), exited, signal: (signal) => child.kill(signal) };
}

/** Runs `goldpipe ARGS…` as its own process to its end. */
export const runGoldpipe = (args: string[], env: Record<string, string | undefined> = {}) => startGoldpipe(args, env).exited;
