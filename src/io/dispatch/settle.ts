/**
 * How a job ends when the worker running it is gone (pure). The job decides, not only why
 * its worker died: a cancel or a timeout that raced the job's own end must not end the next
 * job the worker was given. Decision table, first match wins:
 *
 *   its cancel was asked for                     → cancelled
 *   the supervisor stopped it for memory         → memory_limit_exceeded (with the figures)
 *   ... for GPU memory                           → gpu_memory_limit_exceeded (with the figures)
 *   stopped for a timeout, and its deadline passed → timeout
 *   anything else (a crash, a lost connection)   → worker_lost, saying how the worker ended
 *
 * `exit` is null when no exit was reported in time (the connection closed and the process
 * was never seen to end).
 */
import type { ErrorInfo } from "../../protocol/worker-messages.ts";
import type { ExitReason } from "../../protocol/reasons.ts";
import type { FailureKind } from "./retry.ts";

export type ExitReport = { workerId: string; pid: number; code: number | null; signal: string | null; reason: ExitReason; detail: string | null };

export type LostJob = {
  cancelRequested: boolean;
  pastDeadline: boolean;
  timeoutS: number;
  workerId: string;
  exit: ExitReport | null;
  /** How long the exit report was waited for, for the message when there was none. */
  graceMs: number;
};

export type Settlement = { kind: "cancelled"; error: ErrorInfo } | { kind: "failed"; failure: FailureKind; error: ErrorInfo };

export function settleLost(lost: LostJob): Settlement {
  const { exit, workerId } = lost;
  const killed = exit ? ` (pid ${exit.pid})` : "";
  if (lost.cancelRequested) {
    return { kind: "cancelled", error: { type: "cancelled", message: `cancelled through the API while running; worker ${workerId}${killed} was killed` } };
  }
  if (exit?.reason === "memory") {
    const figures = exit.detail ?? "over its memory_limit_mb";
    return { kind: "failed", failure: "memory_limit_exceeded", error: { type: "memory_limit_exceeded", message: `${figures}; worker ${workerId}${killed} was killed` } };
  }
  if (exit?.reason === "gpu_memory") {
    // The watchdog's figures already name the worker and pid.
    const figures = exit.detail ?? `over its gpu_memory_limit_mb; worker ${workerId}${killed} was killed`;
    return { kind: "failed", failure: "gpu_memory_limit_exceeded", error: { type: "gpu_memory_limit_exceeded", message: figures } };
  }
  if (exit?.reason === "timeout" && lost.pastDeadline) {
    return { kind: "failed", failure: "timeout", error: { type: "timeout", message: `job exceeded its timeout of ${lost.timeoutS} s; worker ${workerId}${killed} was killed` } };
  }
  return { kind: "failed", failure: "worker_lost", error: { type: "worker_lost", message: describeExit(workerId, exit, lost.graceMs) } };
}

export function describeExit(workerId: string, exit: ExitReport | null, graceMs: number): string {
  if (!exit) return `lost the connection to worker ${workerId} and no exit was reported within ${graceMs} ms`;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const why = exit.reason !== "crash" ? ` (gaia stopped it: ${exit.reason})` : "";
  return `worker ${workerId} (pid ${exit.pid}) ${how}${why} while running the job`;
}
