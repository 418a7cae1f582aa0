/**
 * Spare array files: pages already touched, kept for the next output of the same size.
 *
 * Why: a new file in /dev/shm costs a page fault and a zeroed page per 4 KiB on first touch
 * (tmpfs gets no huge pages unless the host enables them), about 0.6 s per GiB on the VMs
 * gaia was measured on, which is most of the cost of a job that writes a large output. A
 * process that allocates in a loop never pays it twice: malloc hands back the pages it freed.
 * Spares do the same across processes: a removed array's file is renamed into the spare
 * pool instead of unlinked, and a worker making an output of exactly that size renames a
 * spare to its output name (rename is atomic: two workers never get the same file), maps it
 * with its pages already there, and zeroes it (a memset of touched memory, ~50 ms per GiB).
 *
 * Sizes match exactly because a file is never truncated (a process that still maps a file
 * that shrinks dies of SIGBUS). A spare's name is not an array name (`z` is not hex), so no
 * request can name one; spares belong to their instance and go with it like arrays do.
 * Caveat: a view of an array kept by a task after its job ended, or a download racing a
 * DELETE, may see the file's pages reused.
 */
import { readdirSync, renameSync } from "node:fs";
import { join } from "node:path";

/** Files smaller than this are cheap to make: they are unlinked rather than kept. */
export const SPARE_MIN_BYTES = 1024 * 1024;

export function sparePrefix(instance: string, bytes: number): string {
  return `gaia-${instance}-z${bytes}n`;
}

export function spareName(instance: string, bytes: number): string {
  return `${sparePrefix(instance, bytes)}${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
}

/** Renames a spare of exactly `bytes` to `target`; its file name, or null when there is none. */
export function takeSpare(dir: string, instance: string, bytes: number, target: string): string | null {
  if (bytes < SPARE_MIN_BYTES) return null;
  const prefix = sparePrefix(instance, bytes);
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return null;
  }
  for (const file of files) {
    if (!file.startsWith(prefix)) continue;
    try {
      renameSync(join(dir, file), target);
      return file;
    } catch {
      // Another worker took it first: try the next.
    }
  }
  return null;
}
