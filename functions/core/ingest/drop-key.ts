import { randomBytes } from "node:crypto";
import { dropKey } from "../lake-keys.ts";

/** `incoming/20260113T150000Z-1a2b3c4d/<name>`: a key no other dropped file has, sorting by the time it was dropped. */
export function newDropKey(name: string, now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return dropKey(name, `${stamp}-${randomBytes(4).toString("hex")}`);
}
