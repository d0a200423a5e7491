import type { Readable } from "node:stream";
import { BadInputError } from "../../functions/core/errors.ts";
import type { ObjectInfo, ObjectStore } from "../../functions/core/ports.ts";

/**
 * GOLDPIPE_KILL_AT: this process kills itself with SIGKILL at a chosen step boundary, as a crash or
 * `kill -9` would, to show that the next `goldpipe run`, `watch` or `replay` finishes the work and
 * loses nothing. `write:PATTERN` fires right after a write to a lake key matching PATTERN (`*` within
 * one path segment, `**` across), `state:NAME` right after the workflow state NAME has run here; `#N`
 * picks the N-th match (default the first).
 */
export interface KillSwitch {
  afterWrite(key: string): void;
  afterState(state: string): void;
}

const EXAMPLE = "e.g. GOLDPIPE_KILL_AT=write:curated/** or GOLDPIPE_KILL_AT=state:MergeRun or write:runs/*/scores/*/_SUCCESS#2";

/** The kill switch GOLDPIPE_KILL_AT asks for; undefined when it is unset or empty. */
export function killSwitchFrom(value: string | undefined, kill: () => void = killThisProcess): KillSwitch | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const match = /^(write|state):([^#]+)(?:#(\d+))?$/.exec(value.trim());
  if (!match || match[3] === "0")
    throw new BadInputError(`GOLDPIPE_KILL_AT="${value}" is not write:PATTERN[#N] or state:NAME[#N]`, EXAMPLE);
  const [, kind, target, nth] = match;
  const wanted = Number(nth ?? 1);
  const pattern = kind === "write" ? keyPattern(target!) : new RegExp(`^${escapeRegExp(target!)}$`);
  let seen = 0;
  const hit = (what: string, name: string) => {
    if (what !== kind || !pattern.test(name)) return;
    seen++;
    if (seen === wanted) kill();
  };
  return { afterWrite: (key) => hit("write", key), afterState: (state) => hit("state", state) };
}

/** The store, firing the kill switch after each write it makes. */
export class KillSwitchStore implements ObjectStore {
  readonly #store: ObjectStore;
  readonly #killSwitch: KillSwitch;

  constructor(store: ObjectStore, killSwitch: KillSwitch) {
    this.#store = store;
    this.#killSwitch = killSwitch;
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.#store.get(key);
  }

  getStream(key: string): Promise<Readable> {
    return this.#store.getStream(key);
  }

  async put(key: string, body: Buffer | string | Readable, options?: { contentType?: string }): Promise<void> {
    await this.#store.put(key, body, options);
    this.#killSwitch.afterWrite(key);
  }

  async createIfAbsent(key: string, body: Buffer | string, options?: { contentType?: string }): Promise<boolean> {
    const created = await this.#store.createIfAbsent(key, body, options);
    if (created) this.#killSwitch.afterWrite(key);
    return created;
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.#store.head(key);
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.#store.list(prefix);
  }

  delete(key: string): Promise<void> {
    return this.#store.delete(key);
  }
}

function killThisProcess(): void {
  process.kill(process.pid, "SIGKILL");
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function keyPattern(glob: string): RegExp {
  const parts = glob.split("**").map((part) => part.split("*").map(escapeRegExp).join("[^/]*"));
  return new RegExp(`^${parts.join(".*")}$`);
}
