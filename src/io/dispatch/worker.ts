/**
 * A worker as the IO engine sees it, and its state: one union, written only through
 * `setState` (so the pool's idle index can never disagree with it).
 *
 *   spare       connected and ready (modules imported), takes no job until promoted (SPEC §1)
 *   idle        takes the next job
 *   busy        runs `job`; `ahead` were sent to it and wait on it, in order (prefetch)
 *   finishing   still runs a job gaia settled otherwise while the worker was away; its
 *               result is ignored, then the worker is idle
 *   stopping    gaia is stopping it (`why`): it gets nothing more; `job` is what it still
 *               runs, if anything (a planned restart lets it finish; a kill ends it)
 *   retiring    it reached max_jobs_per_worker; the supervisor replaces it
 */
import type { Connection } from "../../protocol/connection.ts";
import type { GpuRef } from "../../protocol/gpu-sample.ts";
import type { StopReason } from "../../protocol/reasons.ts";
import type { Job } from "../job.ts";

export type WorkerState =
  | { kind: "spare" }
  | { kind: "idle" }
  | { kind: "busy"; job: Job; ahead: Job[]; refill: boolean }
  | { kind: "finishing"; jobId: string }
  | { kind: "stopping"; why: StopReason; job: Job | null }
  | { kind: "retiring" };

export type WorkerEntry = {
  id: string;
  pool: string;
  pid: number;
  runtime: "bun" | "python";
  tasks: ReadonlySet<string>;
  /** The devices it holds (SPEC §11); empty without GPUs. */
  gpus: readonly GpuRef[];
  conn: Connection;
  readonly state: WorkerState;
  jobsDone: number;
  connectedAt: number;
};

/** The pool's index of idle workers, kept by `setState` alone. */
export type IdleIndex = { idle: Set<WorkerEntry> };

export function setState(worker: WorkerEntry, state: WorkerState, pool: IdleIndex | undefined): void {
  (worker as { state: WorkerState }).state = state;
  if (!pool) return;
  if (state.kind === "idle" && !worker.conn.closed) pool.idle.add(worker);
  else pool.idle.delete(worker);
}

/**
 * A job sent ahead to a busy worker: it runs it after what it holds of the same or higher
 * priority, before anything of lower priority. The worker orders its backlog the same way
 * (workers/main.ts, runtime.py), so both sides agree on what comes next.
 */
export function sendAhead(worker: WorkerEntry, job: Job): void {
  if (worker.state.kind !== "busy") throw new Error(`sendAhead: worker ${worker.id} is ${worker.state.kind}, not busy`);
  const ahead = worker.state.ahead;
  let i = ahead.length;
  while (i > 0 && ahead[i - 1]!.priority < job.priority) i--;
  ahead.splice(i, 0, job);
}

/** Marks (or ends) a prefetch burst on a busy worker (see PoolQueue.prefetchTarget). */
export function setRefill(worker: WorkerEntry, refill: boolean): void {
  if (worker.state.kind === "busy") worker.state.refill = refill;
}

/** Takes back everything sent ahead to `worker`, in the order it would have run them. */
export function takeAhead(worker: WorkerEntry): Job[] {
  if (worker.state.kind !== "busy" || worker.state.ahead.length === 0) return [];
  const ahead = worker.state.ahead;
  worker.state.ahead = [];
  return ahead;
}

/** Takes one job off what was sent ahead (a cancel withdrew it); false when it was not there. */
export function dropAhead(worker: WorkerEntry, job: Job): boolean {
  if (worker.state.kind !== "busy") return false;
  const i = worker.state.ahead.indexOf(job);
  if (i < 0) return false;
  worker.state.ahead.splice(i, 1);
  return true;
}

/** The job a worker is running now, whatever its state says about what comes next. */
export function currentJob(worker: WorkerEntry): Job | null {
  if (worker.state.kind === "busy") return worker.state.job;
  if (worker.state.kind === "stopping") return worker.state.job;
  return null;
}

/** The jobs sent ahead to this worker that it has not started. */
export function aheadOf(worker: WorkerEntry): readonly Job[] {
  return worker.state.kind === "busy" ? worker.state.ahead : [];
}

/** Whether dispatch may give this worker anything (now or ahead of time). */
export function takesWork(worker: WorkerEntry): boolean {
  return (worker.state.kind === "idle" || worker.state.kind === "busy") && !worker.conn.closed;
}
