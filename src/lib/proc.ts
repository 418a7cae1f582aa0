/**
 * Facts about processes from /proc, used by the registry and the workers table.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or null if gone. */
export function startTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parens: split after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[22 - 3]);
  } catch {
    return null;
  }
}

/** Resident memory in KiB (VmRSS), or null if the process is gone. */
export function rssKb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** A process that has exited but was not reaped yet (state Z in /proc/PID/stat). */
export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Private resident memory in KiB, or null when the process is gone. */
/** VmRSS − RssShmem (mapped shared arrays do not count). */
export function privateRssKb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    return field("VmRSS") - field("RssShmem");
  } catch {
    return null;
  }
}

/** What `process_*` metrics report of one process, from /proc (null when it is gone). */
export type ProcFigures = { cpuSeconds: number; rssBytes: number; vsizeBytes: number; startTimeSeconds: number; threads: number; openFds: number | null; maxFds: number | null };

/** Clock ticks per second of /proc/PID/stat's times: USER_HZ, 100 on every Linux gaia runs on. */
const USER_HZ = 100;
let bootTimeSeconds: number | null = null;

export function procFigures(pid: number): ProcFigures | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields are numbered from 1 in proc(5); f[0] is field 3.
    const at = (n: number) => Number(f[n - 3]);
    bootTimeSeconds ??= Number(/^btime (\d+)/m.exec(readFileSync("/proc/stat", "utf8"))?.[1] ?? 0);
    return {
      cpuSeconds: (at(14) + at(15)) / USER_HZ,
      threads: at(20),
      startTimeSeconds: bootTimeSeconds + at(22) / USER_HZ,
      vsizeBytes: at(23),
      // VmRSS, not field 24 (pages): the page size is not 4 KiB everywhere.
      rssBytes: (rssKb(pid) ?? 0) * 1024,
      openFds: openFds(pid),
      maxFds: maxFds(pid),
    };
  } catch {
    return null;
  }
}

function openFds(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null; // another user's process, or gone
  }
}

function maxFds(pid: number): number | null {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
