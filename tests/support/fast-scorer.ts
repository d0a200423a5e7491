import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { defaultPython } from "../../local/runtime/processing-job-runner.ts";

const FAST_SCORER = path.resolve(import.meta.dirname, "fast_scorer.py");

/**
 * tests/support/fast_scorer.py as the GPU job: a launcher to give as GOLDPIPE_PYTHON (it drops the
 * `-m goldpipe_scorer` the runner starts the job with), and a model directory for --model, which the
 * fast scorer does not read. For suites where the pipeline around the model is the point.
 */
export async function fastScorer(dir: string): Promise<{ python: string; model: string }> {
  const python = path.join(dir, "fast-scorer-python");
  await writeFile(python, `#!/bin/sh\nshift 2\nexec "${defaultPython()}" "${FAST_SCORER}" "$@"\n`);
  await chmod(python, 0o755);
  const model = path.join(dir, "no-model");
  await mkdir(model, { recursive: true });
  await writeFile(path.join(model, "config.json"), "{}\n");
  return { python, model };
}
