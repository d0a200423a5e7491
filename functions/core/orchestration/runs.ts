import { RUNS_PREFIX } from "../lake-keys.ts";
import type { ObjectStore } from "../ports.ts";
import { readManifest, type RunManifest } from "./manifest.ts";

/** Every run in the lake (or bucket), oldest first. */
export async function allManifests(store: ObjectStore): Promise<RunManifest[]> {
  const manifests: RunManifest[] = [];
  for await (const object of store.list(RUNS_PREFIX)) {
    const match = /^runs\/([^/]+)\/manifest\.json$/.exec(object.key);
    const manifest = match ? await readManifest(store, match[1]!) : undefined;
    if (manifest) manifests.push(manifest);
  }
  return manifests.sort((a, b) => a.created_at.localeCompare(b.created_at));
}
