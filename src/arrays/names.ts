/**
 * Array names and where their files live (SPEC §6): `<arrays.dir>/gaia-<instance>-<id>`.
 *
 * The instance is one run of gaia: the supervisor's pid and its start time in clock ticks
 * (`<pid>p<ticks>`), so a later start can tell a dead instance's files (removed) from those
 * of another gaia that still runs on the same /dev/shm (kept). The id is 32 hex digits for
 * an upload, and `<job id in hex>a<attempt>w<worker pid>o<index>` for a job's output, so the
 * IO engine can find every file a lost attempt made without the worker telling it, and two
 * workers that both ran one attempt (a job taken back from one that had already started it)
 * never make the same file.
 *
 * A name from a request is only ever matched against NAME_RE and looked up in the journal:
 * it never reaches the filesystem as given, so `../x` or a path cannot be named.
 */
import { join } from "node:path";

export const NAME_RE = /^gaia-(\d+)p(\d+)-([0-9a-f]{32}(?:a\d+w\d+o\d+)?)$/;
const ANY_INSTANCE_RE = /^gaia-(\d+)p(\d+)-/;

export type Instance = { pid: number; ticks: number; id: string };

export function instanceId(pid: number, ticks: number): string {
  return `${pid}p${ticks}`;
}

export function isArrayName(name: string): boolean {
  return NAME_RE.test(name);
}

/** The instance a file of arrays.dir belongs to, or null for a file that is not gaia's. */
export function fileInstance(fileName: string): Instance | null {
  const m = ANY_INSTANCE_RE.exec(fileName);
  return m ? { pid: Number(m[1]), ticks: Number(m[2]), id: `${m[1]}p${m[2]}` } : null;
}

const hex = (uuid: string) => uuid.replaceAll("-", "").toLowerCase();

export function uploadName(instance: string, uuid: string): string {
  return `gaia-${instance}-${hex(uuid)}`;
}

/** Every output of every attempt of a job starts with this (an upload's id has no `a`). */
export function jobOutputsPrefix(instance: string, jobId: string): string {
  return `gaia-${instance}-${hex(jobId)}a`;
}

/** Every output one worker makes for one attempt of a job starts with this. */
export function outputPrefix(instance: string, jobId: string, attempt: number, pid: number): string {
  return `gaia-${instance}-${hex(jobId)}a${attempt}w${pid}o`;
}

export function outputName(instance: string, jobId: string, attempt: number, pid: number, index: number): string {
  return `${outputPrefix(instance, jobId, attempt, pid)}${index}`;
}

export function arrayPath(dir: string, name: string): string {
  return join(dir, name);
}
