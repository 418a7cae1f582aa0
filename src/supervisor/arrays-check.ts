/**
 * The start-up check of arrays.dir (SPEC §6): a container's /dev/shm is 64 MB unless the
 * container was started with a larger `--shm-size`, and tmpfs does not refuse a write past
 * its size, it kills the writer with SIGBUS. Saying so at start saves a confusing crash later.
 */
import { mkdirSync } from "node:fs";
import type { Config } from "../config/schema.ts";
import { filesystemBytes, resolveMaxBytes } from "../arrays/files.ts";
import type { LogStore } from "./logs.ts";

const MiB = 1024 * 1024;
/** Below this, a share of the filesystem ("50%") is too small for the arrays users move. */
const SMALL_FS = 1024 * MiB;

export function warnSmallArraysDir(config: Config, logs: LogStore): void {
  const { dir, max_bytes } = config.arrays;
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    // Reported below: its size cannot be read either.
  }
  const fsBytes = filesystemBytes(dir);
  const say = (line: string) => logs.write("supervisor", `warning: ${line}`, "error");
  if (fsBytes === null) return say(`arrays.dir ${dir} cannot be read; array uploads and outputs will fail`);
  const limit = resolveMaxBytes(max_bytes, fsBytes);
  const mb = (n: number) => `${Math.round(n / MiB)} MiB`;
  if (typeof max_bytes !== "string" || !max_bytes.trim().endsWith("%")) {
    if (fsBytes < limit) say(`arrays.dir ${dir} holds ${mb(fsBytes)}, less than arrays.max_bytes (${mb(limit)}); arrays beyond it will fail (in Docker, start the container with --shm-size)`);
  } else if (fsBytes < SMALL_FS) {
    say(`arrays.dir ${dir} holds only ${mb(fsBytes)} (arrays.max_bytes ${max_bytes} of it is ${mb(limit)}); in Docker, start the container with a larger --shm-size`);
  }
}
