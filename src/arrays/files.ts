/**
 * The array files themselves. Rules that keep every process safe:
 * - a file is created whole (O_EXCL, mode 0600, sized with ftruncate: tmpfs gives pages on
 *   first touch) and is never truncated afterwards: Bun crashes when a mapped file shrinks;
 * - a file is only unlinked once no job that names it is queued or running; a worker that
 *   still maps it keeps its pages until it unmaps (unlink does not shrink a mapping);
 * - at start, files of dead instances go (see names.ts), whoever made them.
 */
import { closeSync, ftruncateSync, openSync, readdirSync, rmSync, statfsSync, statSync, constants } from "node:fs";
import { join } from "node:path";
import { isAlive, isZombie, startTime } from "../lib/proc.ts";
import { fileInstance } from "./names.ts";

/**
 * A new file of `bytes`. `reserve` (a worker's posix_fallocate) may give it its pages first:
 * an errno it returns removes the file and is thrown as `{reserveErrno}`.
 */
export function createArrayFile(path: string, bytes: number, reserve?: (fd: number, bytes: number) => number): void {
  const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR, 0o600);
  try {
    const errno = reserve && bytes > 0 ? reserve(fd, bytes) : 0;
    if (errno !== 0) {
      removeArrayFile(path);
      throw Object.assign(new Error(`errno ${errno}`), { reserveErrno: errno });
    }
    if (bytes > 0) ftruncateSync(fd, bytes); // a no-op after fallocate; sizes a file where it was not possible
  } finally {
    closeSync(fd);
  }
}

export function removeArrayFile(path: string): void {
  rmSync(path, { force: true });
}

function instanceAlive(pid: number, ticks: number): boolean {
  return isAlive(pid) && !isZombie(pid) && startTime(pid) === ticks;
}

/**
 * Removes the files of every gaia instance that no longer runs; returns their names. Only
 * this user's files: /dev/shm is shared (sticky, mode 1777), and another user's are neither
 * ours to judge nor removable.
 */
export function sweepDeadInstances(dir: string, own: string): string[] {
  const removed: string[] = [];
  const verdicts = new Map<string, boolean>();
  const uid = process.getuid?.() ?? -1;
  for (const file of listDir(dir)) {
    const instance = fileInstance(file);
    if (!instance || instance.id === own) continue;
    let alive = verdicts.get(instance.id);
    if (alive === undefined) verdicts.set(instance.id, (alive = instanceAlive(instance.pid, instance.ticks)));
    if (alive) continue;
    try {
      const path = join(dir, file);
      if (statSync(path).uid !== uid) continue;
      rmSync(path, { force: true });
      removed.push(file);
    } catch {
      // Gone meanwhile, or not ours to remove: leave it.
    }
  }
  return removed;
}

/** Removes the files whose name starts with `prefix` (what a failed attempt left). */
export function sweepPrefix(dir: string, prefix: string): string[] {
  const removed = listDir(dir).filter((f) => f.startsWith(prefix));
  for (const file of removed) removeArrayFile(join(dir, file));
  return removed;
}

/** The names in `dir`; none when it cannot be read. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The size in bytes of the filesystem that holds `dir`, or null when it cannot be read. */
export function filesystemBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.blocks * s.bsize;
  } catch {
    return null;
  }
}

/** `arrays.max_bytes` in bytes: a size, or a share of dir's filesystem. */
export function resolveMaxBytes(setting: number | string, fsBytes: number | null): number {
  if (typeof setting === "number") return setting;
  const text = setting.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (pct) return Math.floor(((fsBytes ?? 0) * Number(pct[1])) / 100);
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)$/.exec(text)!;
  const unit = { B: 1, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3, TB: 1e12, TiB: 1024 ** 4 }[m[2] as "B"];
  return Math.floor(Number(m[1]) * unit);
}
