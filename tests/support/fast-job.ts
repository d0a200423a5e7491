import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { defaultPython, GPU_JOB_DIR } from "../../local/runtime/processing-job-runner.ts";

const FAST_JOB = path.join(GPU_JOB_DIR, "tests", "fast_job.py");

/**
 * gpu-job/tests/fast_job.py as the GPU job: a launcher to give as GOLDPIPE_PYTHON (it drops the
 * `-m goldpipe_scorer` the runner starts the job with), and a model directory for --model, of which
 * the fast job reads only the labels (none here: its defaults). For suites where the pipeline around
 * the model is the point.
 */
export async function fastJob(dir: string): Promise<{ python: string; model: string }> {
  const python = path.join(dir, "fast-job-python");
  await writeFile(python, `#!/bin/sh\nshift 2\nexec "${defaultPython()}" "${FAST_JOB}" "$@"\n`);
  await chmod(python, 0o755);
  const model = path.join(dir, "no-model");
  await mkdir(model, { recursive: true });
  await writeFile(path.join(model, "config.json"), "{}\n");
  return { python, model };
}
