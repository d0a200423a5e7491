import { readdir, readFile, readlink, realpath } from "node:fs/promises";

/**
 * Which of the files some process on this machine holds open for writing, read from Linux's /proc
 * (each process's open descriptors and their flags; only the processes this user may look into).
 * Undefined where there is no /proc to ask: then only a file's stillness tells.
 */
export async function filesOpenForWriting(files: readonly string[]): Promise<Set<string> | undefined> {
  if (process.platform !== "linux" || files.length === 0) return process.platform === "linux" ? new Set() : undefined;
  const byTarget = new Map<string, string>();
  for (const file of files) byTarget.set(await realpath(file).catch(() => file), file);
  const open = new Set<string>();
  const pids = (await readdir("/proc").catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const file = byTarget.get(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ""));
      if (file === undefined || open.has(file)) continue;
      const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, "utf8").catch(() => "");
      const flags = Number.parseInt(/^flags:\s*([0-7]+)/m.exec(info)?.[1] ?? "0", 8);
      // O_WRONLY is 1, O_RDWR 2.
      if ((flags & 3) !== 0) open.add(file);
    }
  }
  return open;
}
