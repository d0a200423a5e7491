import { DirectoryObjectStore } from "../../local/adapters/directory-object-store.ts";
import type { ObjectStore } from "../../functions/core/ports.ts";

/** The local adapter over a lake directory, as the tests' ObjectStore. */
export const lakeDirectoryStore = (root: string): ObjectStore => new DirectoryObjectStore(root);
