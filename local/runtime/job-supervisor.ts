/**
 * Runs one processing job for the local runner and makes sure it ends with its parent:
 * `node job-supervisor.ts PARENT_PID JOB_DIR COMMAND ARGS…`. The job runs as this process's child,
 * in a process group of its own, with the same stdio; SIGTERM and SIGINT are passed on to the whole
 * group (the job and anything it started), SIGKILL follows if it has not ended a few seconds later;
 * its exit is this process's exit. When the parent goes away without stopping it (kill -9 of
 * goldpipe), the job is stopped the same way and its job directory removed, so nothing keeps
 * scoring for nobody and no temporary folder stays behind.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { constants } from "node:os";

/** How often the parent is looked for. */
const PARENT_POLL_MS = 250;
/** How long a stopped job has to exit before it is killed. */
const STOP_GRACE_MS = 3_000;

const [parentArg, jobDir, command, ...args] = process.argv.slice(2);
const parent = Number(parentArg);
if (!Number.isInteger(parent) || !jobDir || !command) {
  process.stderr.write("usage: node job-supervisor.ts PARENT_PID JOB_DIR COMMAND [ARGS…]\n");
  process.exit(2);
}

const job = spawn(command, args, { stdio: "inherit", detached: true });
let orphaned = false;

const signalJob = (signal: NodeJS.Signals) => {
  try {
    process.kill(-job.pid!, signal);
  } catch {
    // the group has ended
  }
};
const stop = (signal: NodeJS.Signals) => {
  if (job.pid === undefined) return;
  signalJob(signal);
  setTimeout(() => signalJob("SIGKILL"), STOP_GRACE_MS).unref();
};
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

const watch = setInterval(() => {
  if (process.ppid === parent) return;
  orphaned = true;
  clearInterval(watch);
  stop("SIGTERM");
}, PARENT_POLL_MS);

job.on("error", (error) => {
  process.stderr.write(`cannot start the processing job's entry point ${command}: ${error.message}\n`);
  clearInterval(watch);
  process.exit(127);
});
job.on("exit", (code, signal) => {
  clearInterval(watch);
  if (orphaned) rmSync(jobDir, { recursive: true, force: true });
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0));
});
