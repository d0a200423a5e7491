import type { ObjectStore } from "../../functions/core/ports.ts";
import { DirectoryObjectStore } from "../adapters/directory-object-store.ts";
import { killSwitchFrom, KillSwitchStore, type KillSwitch } from "./kill-switch.ts";

let processKillSwitch: { value: KillSwitch | undefined } | undefined;

/** GOLDPIPE_KILL_AT's switch for this process, one for all its stores and workflow states, so that `#N` counts across them. */
export function killSwitchOfThisProcess(): KillSwitch | undefined {
  processKillSwitch ??= { value: killSwitchFrom(process.env.GOLDPIPE_KILL_AT) };
  return processKillSwitch.value;
}

/** The lake directory as the CLI's commands use it: the directory store, behind GOLDPIPE_KILL_AT's switch when that is set. */
export function openLakeStore(lake: string, options: { createRoot?: boolean } = {}): ObjectStore {
  const store = new DirectoryObjectStore(lake, options);
  const killSwitch = killSwitchOfThisProcess();
  return killSwitch ? new KillSwitchStore(store, killSwitch) : store;
}
