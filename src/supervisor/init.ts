/**
 * gaia as PID 1 (SPEC §1): a container's entrypoint is also its init. The kernel hands every
 * orphan in the PID namespace to PID 1, and a PID 1 that does not wait(2) for them collects
 * zombies (measured before this file: 200 jobs whose task left a background `sleep` left 200
 * zombies, still there 10 s later). So `gaia start` at pid 1 stays a tiny init, as tini does:
 *
 *   spawn the supervisor (the same binary and arguments, INIT_CHILD_ENV set) → pass on
 *   SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 → reap every child on SIGCHLD and on
 *   a poll → when the supervisor is gone, reap once more and exit with its code.
 *
 * It does nothing else: no config, no HTTP, no journal. Decisions are in init-policy.ts.
 *
 * Reaping in Bun: Bun waits only for the children it spawned, so orphans need
 * waitpid(-1, WNOHANG) through bun:ffi. That loop may reap the supervisor before Bun does;
 * Bun then reports ECHILD to `onExit` (and rejects `exited`), measured with Bun 1.4.5. So
 * the supervisor's status is taken from whichever wait got it: ours when the pid matches,
 * else Bun's `onExit` without an error. Both run on this one JS thread, so ours is recorded
 * before Bun's ECHILD can be seen.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import type { Subprocess } from "bun";
import { libcPath } from "../lib/libc.ts";
import { selfCommand } from "./commands.ts";
import { exitCodeOfExit, exitCodeOfWaitStatus, FORWARDED_SIGNALS, INIT_CHILD_ENV } from "./init-policy.ts";

const WNOHANG = 1;
/** The fallback for a SIGCHLD that never comes (signals coalesce; one may be missed). */
const REAP_POLL_MS = 500;

type WaitAny = (status: Int32Array) => number;
type SupervisorState = { state: "running"; proc: Subprocess } | { state: "exited"; code: number };

/** waitpid(-1, &status, WNOHANG): a reaped pid, 0 when none has exited, -1 when no child is left. */
function loadWaitAny(): WaitAny | null {
  const path = libcPath();
  if (path === null) return null;
  try {
    const libc = dlopen(path, { waitpid: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 } });
    return (status) => libc.symbols.waitpid(-1, ptr(status), WNOHANG) as number;
  } catch {
    return null;
  }
}

/** Runs `gaia <args>` as the supervisor under this init; resolves with the code to exit with. */
export function runInit(args: string[]): Promise<number> {
  const waitAny = loadWaitAny();
  if (waitAny === null) console.error("gaia: as PID 1, cannot open the C library for waitpid; orphaned processes will not be reaped");
  const status = new Int32Array(1);
  let supervisor: SupervisorState;
  let poll: ReturnType<typeof setInterval> | undefined;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));

  const exited = (code: number) => {
    if (supervisor.state === "exited") return;
    supervisor = { state: "exited", code };
    clearInterval(poll);
    reap(); // what the supervisor's end left behind, before the namespace goes with us
    finish(code);
  };
  const reap = () => {
    if (waitAny === null) return;
    for (let pid = waitAny(status); pid > 0; pid = waitAny(status)) {
      if (supervisor.state === "running" && pid === supervisor.proc.pid) exited(exitCodeOfWaitStatus(status[0]!));
    }
  };

  try {
    const proc = Bun.spawn([...selfCommand(), ...args], {
      env: { ...process.env, [INIT_CHILD_ENV]: "1" },
      stdio: ["inherit", "inherit", "inherit"],
      // A session of its own, as tini gives its child a process group: a terminal's Ctrl-C
      // then reaches init alone, which passes it on once. Sent to both, the two SIGINTs merge
      // only while the first is still pending (they did in a try with a pty); one that came
      // later would read as a second signal and skip the shutdown grace.
      detached: true,
      onExit: (_proc, code, signal, error) => {
        if (!error) return exited(exitCodeOfExit(code, signal));
        if (supervisor.state === "running") {
          // Only our waitpid should take it, and then `exited` has already run.
          console.error(`gaia: lost the supervisor's exit status (${error.message.split("\n")[0]})`);
          exited(1);
        }
      },
    });
    supervisor = { state: "running", proc };
    proc.exited.catch(() => {}); // rejected with ECHILD when our waitpid reaped it first
  } catch (err) {
    console.error(`gaia: as PID 1, cannot start the supervisor: ${(err as Error).message}`);
    return Promise.resolve(1);
  }

  for (const signal of FORWARDED_SIGNALS) {
    process.on(signal, () => {
      // After it exited its pid may already belong to someone else: never signal it then.
      if (supervisor.state !== "running") return;
      try {
        supervisor.proc.kill(signal);
      } catch {} // it is exiting: its exit is on the way
    });
  }
  process.on("SIGCHLD", reap);
  poll = setInterval(reap, REAP_POLL_MS);
  reap();
  return finished;
}
