import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { packagedTableDefinition } from "../../../../functions/aws/table-definition.ts";

let taskRoot: string;
beforeEach(async () => {
  taskRoot = await mkdtemp(path.join(os.tmpdir(), "goldpipe-task-root-"));
});
afterEach(() => rm(taskRoot, { recursive: true, force: true }));

describe("packagedTableDefinition", () => {
  it("reads athena/headline_sentiment.yml under the task root, as the function's package ships it", () => {
    const table = packagedTableDefinition({ LAMBDA_TASK_ROOT: process.cwd() });
    expect(`${table.Database}.${table.Name}`).toBe("goldpipe.headline_sentiment");
  });

  it("says the package lacks the file, and where serverless.yml ships it", () => {
    expect(() => packagedTableDefinition({ LAMBDA_TASK_ROOT: taskRoot })).toThrow(
      /cannot read the table definition .*athena\/headline_sentiment\.yml .*serverless\.yml package\.patterns/,
    );
  });

  it("names the shipped file when it is not a table definition", async () => {
    await mkdir(path.join(taskRoot, "athena"));
    await writeFile(path.join(taskRoot, "athena/headline_sentiment.yml"), "Name: headline_sentiment\n");
    expect(() => packagedTableDefinition({ LAMBDA_TASK_ROOT: taskRoot })).toThrow(/headline_sentiment\.yml is not a table definition/);
  });
});
