/**
 * The decisions of gaia's init duties as PID 1 (SPEC §1), as pure functions; init.ts is the
 * thin process shell around them.
 *
 * - `gaia start` with pid 1 (a container's entrypoint) becomes a small init: it runs the real
 *   supervisor as its child, marked by INIT_CHILD_ENV so that the child never does the same.
 * - These signals are passed on to the supervisor, each one as it comes (gaia's second
 *   SIGTERM skips the shutdown grace, so none may be swallowed). SIGKILL and SIGSTOP cannot
 *   be caught; SIGCHLD is init's own (it reaps).
 * - init exits with the supervisor's exit code, or 128 + the signal number when a signal
 *   killed it, as sh and tini report it.
 */
import { constants } from "node:os";

/** Set in the supervisor's environment by init: "you have an init, be the supervisor". */
export const INIT_CHILD_ENV = "GAIA_INIT_CHILD";

export const FORWARDED_SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"] as const;

export function shouldRunAsInit(pid: number, env: Record<string, string | undefined>): boolean {
  return pid === 1 && env[INIT_CHILD_ENV] === undefined;
}

/**
 * The exit code for a raw wait status from waitpid(2). Linux packs it as: low 7 bits the
 * killing signal (0: exited), bits 8-15 the exit code. init asks for neither WUNTRACED nor
 * WCONTINUED, so stopped and continued statuses never reach it.
 */
export function exitCodeOfWaitStatus(status: number): number {
  const signal = status & 0x7f;
  return signal === 0 ? (status >> 8) & 0xff : 128 + signal;
}

/** The exit code for what Bun's `onExit` reports: an exit code, or a signal's name or number. */
export function exitCodeOfExit(code: number | null, signal: string | number | null): number {
  if (code !== null) return code & 0xff;
  if (typeof signal === "number") return 128 + signal;
  const number = signal === null ? undefined : constants.signals[signal as keyof typeof constants.signals];
  // Neither a code nor a known signal: a failure, not a success.
  return number === undefined ? 1 : 128 + number;
}
