/**
 * The session runtime's seams and a session's states (SPEC §12): what the lead provides (the
 * hooks: the supervisor spawns and kills node processes, the event bus publishes `session.*`),
 * and the timings of a session's end.
 */
import type { LaunchContext, NodeLaunch } from "./launch.ts";
import type { Failure } from "./failure.ts";

export type SessionEventKind =
  | "session.created" | "session.ready" | "session.failed" | "session.terminating" | "session.terminated"
  | "session.node.ready" | "session.node.exited";

/** What the lead provides: the supervisor spawns and kills, the event bus publishes. */
export type RuntimeHooks = {
  spawn(launch: NodeLaunch): Promise<{ pid: number }>;
  kill(pid: number, signal: "SIGTERM" | "SIGKILL"): void;
  publish(kind: SessionEventKind, data: Record<string, unknown>): void;
  log(line: string): void;
};

export type SessionEnv = {
  hooks: RuntimeHooks;
  secret: string;
  /** The run's instance id (src/arrays/names.ts), for shared-memory file names. */
  instance: string;
  arraysDir: string;
  /** `<run_dir>/pipes`: each session's data sockets go in a folder of their own there. */
  pipesRoot: string;
  launch: LaunchContext;
};

export type SessionState =
  | { kind: "initializing"; since: number }
  | { kind: "ready"; since: number }
  | { kind: "terminating"; since: number }
  | { kind: "terminated"; at: number }
  | { kind: "failed"; at: number; reason: Failure };

/** How long nodes have to finish their frames when a session is terminated (SPEC §12). */
export const CLOSE_GRACE_MS = 5_000;
/** From SIGTERM to SIGKILL. */
export const KILL_GRACE_MS = 2_000;
/** How long a reported exception or lost channel waits for the exit that explains it. */
export const EXPLAIN_MS = 2_000;
