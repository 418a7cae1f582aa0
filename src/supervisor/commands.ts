/**
 * The command lines of the children. The binary re-executes itself with an explicit role
 * argument: in a compiled binary argv[1] is `/$bunfs/…`, so the role is never guessed.
 * Limits go through `prlimit --as=BYTES --`, which execs, so the pid stays the worker's.
 */
import type { PoolConfig } from "../config/schema.ts";

import { selfCommand } from "../lib/self-command.ts";

export { selfCommand };

export function ioArgv(bootFile: string): string[] {
  return [...selfCommand(), "__io", "--state", bootFile];
}

/** A worker's command line; a spare (`spare`) starts ready and waits to take a worker's place. */
export function workerArgv(pool: PoolConfig, workerId: string, ioSocket: string, spare = false): string[] {
  const limit = pool.address_space_mb > 0 ? ["prlimit", `--as=${pool.address_space_mb * 1024 * 1024}`, "--"] : [];
  const args = ["--socket", ioSocket, "--pool", pool.name, "--id", workerId, "--modules", JSON.stringify(pool.modules), ...(spare ? ["--spare"] : [])];
  if (pool.runtime === "python") return [...limit, pool.python, "-m", "gaia_worker", ...args];
  return [...limit, ...selfCommand(), "__worker", ...args];
}

/**
 * The environment of a pool's workers: gaia's own, then gaia's defaults for the runtime,
 * then the pool's `env` on top. Python pools get one thread per BLAS library (SPEC §2: the
 * pool is the parallelism), unbuffered output (so print() reaches the logs at once), and
 * the gaia_worker package this binary carries first on PYTHONPATH.
 */
export function workerEnv(pool: PoolConfig, pythonPackage: string | null, secret: string): Record<string, string | undefined> {
  // The run's secret goes to gaia's own children only; each takes it out of its environment
  // at start, so the processes a task spawns do not inherit it.
  if (pool.runtime !== "python") return { ...process.env, ...pool.env, GAIA_SECRET: secret };
  const path = [pythonPackage, process.env.PYTHONPATH].filter(Boolean).join(":");
  const defaults = { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1", PYTHONUNBUFFERED: "1" };
  return { ...process.env, ...defaults, ...pool.env, PYTHONPATH: pool.env.PYTHONPATH ? `${path}:${pool.env.PYTHONPATH}` : path, GAIA_SECRET: secret };
}
