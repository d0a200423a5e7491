import type { StateMachineDefinition } from "aws-local-stepfunctions";

/** A Distributed Map's ItemReader, as the definition gives it. */
interface ItemReader {
  Resource: string;
  ReaderConfig?: { InputType?: string; MaxItems?: number };
  Parameters?: Record<string, unknown>;
}

type State = Record<string, unknown> & {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: { Next?: string }[];
  Catch?: { Next?: string }[];
  ItemReader?: ItemReader;
};

/** Reads one JSON item list from the bucket: the resolved ItemReader Parameters ({Bucket, Key}). */
export type ReadItems = (parameters: { Bucket: string; Key: string }) => Promise<unknown[]>;

/**
 * aws-local-stepfunctions runs a Distributed Map's iterations like an inline Map's, but has no
 * ItemReader: the Map would take its own input as the items. Locally, each Map that reads its items
 * from S3 is preceded by a Task of the same Resource and Parameters, run by the returned handler,
 * whose result the Map iterates over. The iteration body, its concurrency and every other state
 * are the definition's own. Only JSON item lists (ReaderConfig.InputType JSON) are read.
 */
export function withLocalItemReaders(
  definition: StateMachineDefinition,
  readItems: ReadItems,
): { definition: StateMachineDefinition; handlers: Record<string, (parameters: never) => Promise<unknown[]>> } {
  const states = Object.entries(definition.States as unknown as Record<string, State>);
  const readerOf = new Map(states.filter(([, state]) => reads(state)).map(([name]) => [name, `${name}ItemReader`]));
  const via = (target: string | undefined) => (target === undefined ? undefined : (readerOf.get(target) ?? target));
  const handlers: Record<string, (parameters: never) => Promise<unknown[]>> = {};
  const rewritten: Record<string, State> = {};
  for (const [name, state] of states) {
    const retargeted: State = {
      ...state,
      ...(state.Next !== undefined && { Next: via(state.Next) }),
      ...(state.Default !== undefined && { Default: via(state.Default) }),
      ...(state.Choices && { Choices: state.Choices.map((choice) => ({ ...choice, Next: via(choice.Next) })) }),
      ...(state.Catch && { Catch: state.Catch.map((handler) => ({ ...handler, Next: via(handler.Next) })) }),
    };
    const { ItemReader: reader, ...map } = retargeted;
    if (!reads(state) || reader === undefined) {
      rewritten[name] = retargeted;
      continue;
    }
    const inputType = reader.ReaderConfig?.InputType;
    if (inputType !== "JSON") {
      throw new Error(`Map state ${name}: the local runtime reads JSON item lists only, not ReaderConfig.InputType ${inputType}`);
    }
    const readerName = readerOf.get(name)!;
    const itemsPath = `$.${name}Items`;
    const maxItems = reader.ReaderConfig?.MaxItems;
    rewritten[readerName] = { Type: "Task", Resource: reader.Resource, Parameters: reader.Parameters, ResultPath: itemsPath, Next: name };
    rewritten[name] = { ...map, ItemsPath: itemsPath };
    handlers[readerName] = async (parameters) => {
      const items = await readItems(parameters as { Bucket: string; Key: string });
      if (!Array.isArray(items)) throw new Error(`the item list of Map state ${name} is not a JSON array`);
      return maxItems === undefined ? items : items.slice(0, maxItems);
    };
  }
  return {
    definition: { ...definition, StartAt: via(definition.StartAt)!, States: rewritten as unknown as StateMachineDefinition["States"] },
    handlers,
  };
}

const reads = (state: State) => state.Type === "Map" && state.ItemReader !== undefined;
