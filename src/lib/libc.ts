/**
 * Where this process's C library is, for `bun:ffi`.
 *
 * `dlopen("libc.so.6")` with a bare name is looked up in the working directory first in a
 * compiled Bun binary (measured with Bun 1.4.5), so a file of that name beside a user's
 * config would be loaded instead. The C library this process already runs on is named in
 * /proc/self/maps: that path is the one to open (musl's is `ld-musl-*.so.1`, which is also
 * its libc).
 */
import { readFileSync } from "node:fs";

let cached: string | null | undefined;

export function libcPath(): string | null {
  if (cached !== undefined) return cached;
  try {
    const maps = readFileSync("/proc/self/maps", "utf8");
    cached = /\s(\/\S*\/(?:libc\.so\.6|libc\.musl-[^/\s]*\.so\.1|ld-musl-[^/\s]*\.so\.1))$/m.exec(maps)?.[1] ?? null;
  } catch {
    cached = null;
  }
  return cached;
}
