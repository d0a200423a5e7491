import { describe, expect, it } from "vitest";
import { EXIT, EXIT_CODES } from "../../../../local/cli/exit-codes.mjs";
import { goldpipe } from "../../../support/cli.ts";

describe("goldpipe", () => {
  it("--help lists the commands and every exit code with its meaning", async () => {
    const { code, stdout } = await goldpipe("--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}ingest /m);
    expect(stdout).toMatch(/^ {2}watch /m);
    for (const { code: exitCode, meaning } of Object.values(EXIT_CODES)) expect(stdout).toContain(`${exitCode} ${meaning}`);
  });

  it("with no command, prints the overview and exits as bad usage", async () => {
    const { code, stdout } = await goldpipe();
    expect(code).toBe(EXIT.badInput);
    expect(stdout).toMatch(/^usage: goldpipe COMMAND/m);
  });

  it("names an unknown command on one line and points to --help", async () => {
    const { code, stderr } = await goldpipe("ingets");
    expect(code).toBe(2);
    expect(stderr).toBe('goldpipe: unknown command "ingets". Run "goldpipe --help" for the list.\n');
  });
});
