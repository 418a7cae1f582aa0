/**
 * Running one job: call the handler, time it, measure its resource usage, and turn the
 * outcome into a `result` message. A throwing handler fails its job; the worker lives on.
 */
import type { ErrorInfo, JobMessage, Result } from "../src/protocol/messages.ts";
import { mapInputs, Outputs, type ArraysPlace } from "./arrays.ts";
import { GPUS } from "./gpus.ts";
import type { TaskContext, TaskTable } from "./types.ts";

/**
 * CPU is measured from the end of the previous job to the end of this one, with one
 * resourceUsage call per job (a getrusage syscall: two per job cost measurable time on echo
 * jobs). The gap between jobs is idle, so the figure is this job's plus its dispatch.
 */
let lastUsage = process.resourceUsage();

/** Sessions a worker keeps at most. */
const MAX_SESSIONS = 10_000;

type Outcome = { ok: true; value: unknown } | { ok: false; error: ErrorInfo };

/**
 * Runs one job. A synchronous handler's result comes back synchronously (no await, no
 * microtask hop): the worker can then run a backlog of quick jobs in one turn and send their
 * results in one write. A handler that returns a promise gets a promise of the result.
 */
export function runJob(
  job: JobMessage,
  tasks: TaskTable,
  sessions: Map<string, Record<string, unknown>>,
  sendProgress: (fraction: number, message: string | null) => void,
  place: ArraysPlace | null,
): Result | Promise<Result> {
  const started = performance.now();
  const deadline = Date.now() + job.timeout_ms;
  const outputs = new Outputs(place, job.id, job.attempt);
  let value: unknown;
  try {
    const handler = tasks[job.task];
    if (!handler) throw Object.assign(new Error(`this worker has no task '${job.task}'`), { name: "unknown_task" });
    value = handler(job.payload, makeContext(job, deadline, sessions, sendProgress, outputs));
  } catch (err) {
    return toResult(job, { ok: false, error: toErrorInfo(err) }, started, outputs);
  }
  if (typeof (value as { then?: unknown } | null)?.then !== "function") return toResult(job, succeeded(value), started, outputs);
  return Promise.resolve(value).then(
    (settled) => toResult(job, succeeded(settled), started, outputs),
    (err) => toResult(job, { ok: false, error: toErrorInfo(err) }, started, outputs),
  );
}

const succeeded = (value: unknown): Outcome => ({ ok: true, value: value === undefined ? null : value });

function toResult(job: JobMessage, outcome: Outcome, started: number, outputs: Outputs): Result {
  const before = lastUsage;
  const after = (lastUsage = process.resourceUsage());
  const result: Result = {
    t: "result",
    id: job.id,
    attempt: job.attempt,
    ...outcome,
    execution_ms: round3(performance.now() - started),
    usage: {
      user_ms: round3((after.userCPUTime - before.userCPUTime) / 1000),
      sys_ms: round3((after.systemCPUTime - before.systemCPUTime) / 1000),
      max_rss_kb: after.maxRSS,
    },
  };
  if (outputs.any) {
    if (outcome.ok) result.arrays = outputs.made;
    else outputs.discard();
  }
  return result;
}

/** The `ctx` a handler gets; also made by `runTask` (workers/testing.ts) for tests. */
export function makeContext(
  job: JobMessage,
  deadline: number,
  sessions: Map<string, Record<string, unknown>>,
  sendProgress: (fraction: number, message: string | null) => void,
  outputs: Outputs,
): TaskContext {
  let session: Record<string, unknown> = {};
  let reset = false;
  if (job.session_id !== null) {
    const held = sessions.get(job.session_id);
    reset = job.session_reset;
    if (held && !reset) session = held;
    // Least recently used first out: the engine forgets bindings too (src/io/sessions.ts).
    sessions.delete(job.session_id);
    sessions.set(job.session_id, session);
    if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
  }
  return {
    job_id: job.id,
    task: job.task,
    attempt: job.attempt,
    deadline,
    time_left: () => Math.max(0, deadline - Date.now()),
    // A fraction that is not a finite number is dropped: the engine would refuse the frame.
    progress: (fraction, message) => {
      const f = Number(fraction);
      if (Number.isFinite(f)) sendProgress(f, message == null ? null : String(message));
    },
    ...(job.arrays ? mapInputs(job.arrays) : { arrays: {}, shapes: {}, dtypes: {} }),
    output: (name, shape, dtype) => outputs.create(name, shape, dtype),
    session,
    session_reset: reset,
    gpus: GPUS,
  };
}

export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) return { type: err.name || "Error", message: err.message, traceback: err.stack ?? "" };
  return { type: typeof err, message: String(err) };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
