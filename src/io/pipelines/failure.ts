/**
 * Why a session failed (SPEC §12), decided without processes. The first reason wins: a
 * session that failed is not failed again by the exits its teardown causes.
 *
 * | what happened                                   | while initializing | while ready         | while terminating |
 * |-------------------------------------------------|--------------------|---------------------|-------------------|
 * | a node process exited (any code, any signal)    | process_crashed    | pipeline_terminated | nothing           |
 * | a node raised in its constructor / process      | (with the exit)    | (with the exit)     | nothing           |
 * | a node did not report ready in init_timeout_s   | init_timeout       | -                   | -                 |
 * | a channel was lost, and no exit explains it     | process_crashed    | pipeline_terminated | nothing           |
 *
 * An exception a node reported comes with its exit (the node exits 1 right after), so the
 * reason carries both; the session runtime waits for that exit a short while (see session.ts).
 * A lost channel is always a symptom of a process that died (or a broken peer): it waits the
 * same while for an exit, so the node that died is named, not its neighbour.
 */
import type { ErrorInfo } from "../../protocol/messages.ts";

export type FailureCode = "init_timeout" | "process_crashed" | "pipeline_terminated";

export type Failure = {
  code: FailureCode;
  /** The node the failure is about. */
  node: string;
  /** One line that says what happened. */
  message: string;
  exit_code?: number | null;
  signal?: string | null;
  /** The last lines the node printed. */
  lines?: string[];
  error?: ErrorInfo;
};

/** How a node process ended, as the supervisor (or a test harness) reports it. */
export type NodeExit = {
  code: number | null;
  signal: string | null;
  /** Its last lines of output, newest last. */
  lines: string[];
  /** Why gaia stopped it, when it did ("memory", "shutdown", ...). */
  reason?: string;
  /** More about that reason ("rss 612 MiB > limit 512 MiB"). */
  detail?: string | null;
};

export type Phase = "initializing" | "ready" | "terminating" | "ended";

const during = (phase: Phase) => (phase === "initializing" ? "while starting" : "while streaming");
const codeFor = (phase: Phase): FailureCode => (phase === "initializing" ? "process_crashed" : "pipeline_terminated");

export function describeExit(exit: Pick<NodeExit, "code" | "signal" | "reason" | "detail">): string {
  if (exit.reason === "memory" && exit.detail) return `was stopped for memory: ${exit.detail}`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

/** A node's process exited: the failure it causes, or null when none. */
export function exitFailure(phase: Phase, node: string, pid: number | null, exit: NodeExit, error: ErrorInfo | null): Failure | null {
  if (phase === "terminating" || phase === "ended") return null;
  const raised = error ? ` after raising ${error.type}: ${firstLine(error.message)}` : "";
  return {
    code: codeFor(phase),
    node,
    message: `node '${node}'${pid === null ? "" : ` (pid ${pid})`} ${describeExit(exit)}${raised} ${during(phase)}`,
    exit_code: exit.code,
    signal: exit.signal,
    lines: exit.lines,
    ...(error ? { error } : {}),
  };
}

/** A node reported an exception and its exit did not follow. */
export function errorFailure(phase: Phase, node: string, error: ErrorInfo): Failure | null {
  if (phase === "terminating" || phase === "ended") return null;
  return { code: codeFor(phase), node, message: `node '${node}' raised ${error.type}: ${firstLine(error.message)} ${during(phase)}`, error };
}

/** A channel was lost and no process exit explained it. */
export function channelFailure(phase: Phase, node: string, channel: string, reason: string): Failure | null {
  if (phase === "terminating" || phase === "ended") return null;
  return { code: codeFor(phase), node, message: `channel ${channel} of node '${node}' was lost ${during(phase)}: ${reason}` };
}

/** Some nodes had not reported ready when init_timeout_s ran out; the first is named. */
export function initTimeout(notReady: string[], seconds: number): Failure {
  const others = notReady.length > 1 ? ` (nor had ${notReady.slice(1).map((n) => `'${n}'`).join(", ")})` : "";
  return { code: "init_timeout", node: notReady[0]!, message: `node '${notReady[0]}' did not report ready within init_timeout_s = ${seconds}${others}` };
}

/** A node could not be spawned at all (a missing interpreter, say). */
export function spawnFailure(node: string, message: string): Failure {
  return { code: "process_crashed", node, message: `node '${node}' could not be started: ${firstLine(message)}` };
}

const firstLine = (text: string) => text.split("\n")[0]!;
