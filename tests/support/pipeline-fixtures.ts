import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { Writable } from "node:stream";
import { main } from "../../local/cli/main.ts";
import { formatHeadlines } from "../../local/generator/formats.ts";
import { generateHeadlines } from "../../local/generator/headlines.ts";
import { defaultPython } from "../../local/runtime/processing-job-runner.ts";

const REPO = path.resolve(import.meta.dirname, "../..");

/**
 * A one-layer random BERT classifier with the starter model's two output heads (label, price_direction) and a vocabulary
 * learnt from generated headlines, initialised wide enough that headlines get different answers: scores in milliseconds on a CPU.
 */
export async function buildTinyModel(dir: string): Promise<string> {
  const texts = [...generateHeadlines({ count: 300, seed: 99 })].map((h) => h.headline);
  const textsFile = path.join(dir, "texts.json");
  await writeFile(textsFile, JSON.stringify(texts));
  const model = path.join(dir, "tiny-model");
  const script = [
    "import json, sys",
    "from pathlib import Path",
    "from synthetic_model import save_random_classifier",
    "save_random_classifier(Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text()), " +
      "layers=1, hidden=16, heads=2, intermediate=32, vocab_size=300, initializer_range=0.3, output_heads={" +
      "'label': ('positive', 'neutral', 'negative'), 'price_direction': ('up', 'constant', 'down', 'none')})",
  ].join("\n");
  await promisify(execFile)(defaultPython(), ["-c", script, model, textsFile], {
    env: { ...process.env, PYTHONPATH: path.join(REPO, "gpu-job") },
  });
  return model;
}

/** `count` generated headlines as a CSV file, `badRows` of them broken on purpose. */
export async function writeHeadlinesCsv(file: string, count: number, seed: number, badRows = 0): Promise<string> {
  await writeFile(file, [...formatHeadlines(generateHeadlines({ count, seed, badRows }), "csv")].join(""));
  return file;
}

/** Runs the goldpipe CLI in this process: its exit code and what it wrote. */
export async function goldpipe(args: string[], env: Record<string, string | undefined> = {}) {
  let stdout = "";
  let stderr = "";
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete process.env[key];
  try {
    const code = await main(args, { stdout: sink((t) => (stdout += t)), stderr: sink((t) => (stderr += t)) });
    return { code, stdout, stderr };
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
