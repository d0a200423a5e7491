import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import { withLocalItemReaders } from "../../../../local/runtime/item-reader.ts";

/** A Choice that leads to a Distributed Map reading its items from S3, then a state after it. */
function definition(readerConfig: Record<string, unknown> = { InputType: "JSON" }): StateMachineDefinition {
  return {
    StartAt: "Route",
    States: {
      Route: { Type: "Choice", Choices: [{ Variable: "$.go", BooleanEquals: true, Next: "Each" }], Default: "Done" },
      Each: {
        Type: "Map",
        ItemReader: {
          Resource: "arn:aws:states:::s3:getObject",
          ReaderConfig: readerConfig,
          Parameters: { "Bucket.$": "$.bucket", "Key.$": "$.list" },
        },
        MaxConcurrency: 2,
        ItemSelector: { "tag.$": "$.tag", "item.$": "$$.Map.Item.Value" },
        ItemProcessor: {
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
          StartAt: "Work",
          States: { Work: { Type: "Pass", End: true } },
        },
        ResultPath: "$.results",
        Next: "Done",
      },
      Done: { Type: "Pass", End: true },
    },
  } as unknown as StateMachineDefinition;
}

async function run(def: StateMachineDefinition, items: unknown, input: Record<string, string | number | boolean>) {
  const read: unknown[] = [];
  const local = withLocalItemReaders(def, async (parameters) => {
    read.push(parameters);
    return items as unknown[];
  });
  const machine = new StateMachine(local.definition);
  const output = (await machine.run(input, { overrides: { taskResourceLocalHandlers: local.handlers as never } }).result) as {
    results?: unknown[];
  };
  return { output, read };
}

describe("withLocalItemReaders", () => {
  it("iterates the Map over the items its ItemReader names, read with the resolved Parameters", async () => {
    const { output, read } = await run(definition(), ["a", "b", "c"], { go: true, bucket: "lake", list: "runs/r/list.json", tag: 7 });
    expect(read).toEqual([{ Bucket: "lake", Key: "runs/r/list.json" }]);
    expect(output.results).toEqual([
      { tag: 7, item: "a" },
      { tag: 7, item: "b" },
      { tag: 7, item: "c" },
    ]);
  });

  it("reads nothing when no path leads to the Map, and keeps the definition's other states as they are", async () => {
    const { output, read } = await run(definition(), ["a"], { go: false, bucket: "lake", list: "list.json", tag: 1 });
    expect(read).toEqual([]);
    expect(output.results).toBeUndefined();
  });

  it("stops at ReaderConfig.MaxItems", async () => {
    const { output } = await run(definition({ InputType: "JSON", MaxItems: 2 }), [1, 2, 3], {
      go: true,
      bucket: "lake",
      list: "list.json",
      tag: 0,
    });
    expect(output.results).toHaveLength(2);
  });

  it("fails the execution when the list is not a JSON array", async () => {
    await expect(run(definition(), { not: "an array" }, { go: true, bucket: "lake", list: "list.json", tag: 0 })).rejects.toThrow(
      "the item list of Map state Each is not a JSON array",
    );
  });

  it("refuses item sources it does not read, before anything runs", () => {
    expect(() => withLocalItemReaders(definition({ InputType: "CSV" }), async () => [])).toThrow(
      "Map state Each: the local runtime reads JSON item lists only, not ReaderConfig.InputType CSV",
    );
  });

  it("leaves the definition it was given untouched", () => {
    const def = definition();
    const before = JSON.stringify(def);
    withLocalItemReaders(def, async () => []);
    expect(JSON.stringify(def)).toBe(before);
  });
});
