import { Writable } from "node:stream";
import { main } from "../../local/cli/main.ts";

/** Runs `goldpipe ARGS…` in process and returns its exit code and what it printed. */
export async function goldpipe(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (chunks: string[]) =>
    new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
  const code = await main(args, { stdout: sink(out), stderr: sink(err) });
  return { code, stdout: out.join(""), stderr: err.join("") };
}
