/**
 * `<run_dir>/registry.json` (SPEC §1): the run id, the supervisor's pid, and each child's pid
 * and start time. After a `kill -9` of the supervisor, the next start finds the children it
 * left (those whose pid AND start time still match: a reused pid has another start time) and
 * stops them: SIGTERM, then SIGKILL after 2 s.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive, isZombie, startTime } from "../lib/proc.ts";

export type RegistryEntry = { name: string; pid: number; start_time: number | null };
export type Registry = { run_id: string; supervisor: RegistryEntry; children: RegistryEntry[] };

const ORPHAN_GRACE_MS = 2000;

export function registryPath(runDir: string): string {
  return join(runDir, "registry.json");
}

export function readRegistry(runDir: string): Registry | null {
  const path = registryPath(runDir);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Registry;
  } catch {
    return null;
  }
}

/** Written whole to a temp file and renamed, so a crash never leaves half a registry. */
export function writeRegistry(runDir: string, registry: Registry): void {
  const path = registryPath(runDir);
  writeFileSync(`${path}.tmp`, JSON.stringify(registry, null, 2));
  renameSync(`${path}.tmp`, path);
}

/** The process the entry names is still running: same pid, same start time, not a zombie. */
export function isSameProcess(entry: RegistryEntry): boolean {
  return isAlive(entry.pid) && !isZombie(entry.pid) && entry.start_time !== null && startTime(entry.pid) === entry.start_time;
}

/** Stops the children of a dead supervisor; returns the pids it signalled. */
export async function stopOrphans(registry: Registry): Promise<number[]> {
  if (isSameProcess(registry.supervisor)) return [];
  const orphans = registry.children.filter(isSameProcess);
  for (const child of orphans) signal(child.pid, "SIGTERM");
  const deadline = Date.now() + ORPHAN_GRACE_MS;
  while (orphans.some(isSameProcess) && Date.now() < deadline) await Bun.sleep(50);
  for (const child of orphans.filter(isSameProcess)) signal(child.pid, "SIGKILL");
  return orphans.map((c) => c.pid);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone meanwhile: that is what we wanted.
  }
}
