/**
 * The IO engine's side of its workers: hello, results, progress, and their disappearance.
 *
 * A worker's death is seen twice and in no set order: its socket closes here, and the
 * supervisor reports the exit (code, signal, and why gaia killed it, if it did). A busy
 * worker's job waits in `lost` for the exit report, for at most LOST_GRACE_MS, so its error
 * can say exactly what happened; a worker that only lost its connection comes back with a
 * hello naming the job and takes it up again.
 */
import type { Connection } from "../protocol/connection.ts";
import type { Fatal, Progress, Result, WorkerHello } from "../protocol/messages.ts";
import { PROTOCOL_VERSION } from "../protocol/messages.ts";
import type { Engine } from "./engine.ts";
import type { Job } from "./job.ts";
import type { WorkerEntry } from "./pool-queue.ts";

const LOST_GRACE_MS = 2000;

export type ExitReport = { worker_id: string; pid: number; code: number | null; signal: string | null; reason: string | null; detail?: string | null };

export type WorkerLinkHooks = {
  announce(worker: WorkerEntry): void;
  fatal(workerId: string | null, message: string): void;
  log(line: string): void;
};

export class WorkerLink {
  readonly workers = new Map<string, WorkerEntry>();
  /** Jobs whose worker's connection closed, by job id, waiting for that process's exit report. */
  private readonly lost = new Map<string, { job: Job; workerId: string; pid: number; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly engine: Engine,
    private readonly hooks: WorkerLinkHooks,
  ) {}

  hello(conn: Connection, hello: WorkerHello): void {
    if (!this.engine.pools.has(hello.pool)) {
      conn.close(`worker ${hello.worker_id} names unknown pool '${hello.pool}'`);
      return;
    }
    const previous = this.workers.get(hello.worker_id);
    if (previous && previous.conn !== conn) previous.conn.close("replaced by a new connection from the same worker");
    const worker: WorkerEntry = {
      id: hello.worker_id,
      pool: hello.pool,
      pid: hello.pid,
      runtime: hello.runtime,
      tasks: new Set(hello.tasks),
      conn,
      state: { kind: "idle" },
      reserved: [],
      refilling: false,
      doomed: false,
      jobsDone: previous && previous.pid === hello.pid ? previous.jobsDone : 0,
      connectedAt: Date.now(),
    };
    conn.tag = worker;
    this.workers.set(worker.id, worker);
    this.engine.pools.get(worker.pool)!.members.add(worker);
    const { dir, instance } = this.engine.arrays.settings;
    conn.send({ t: "welcome", v: PROTOCOL_VERSION, io_pid: process.pid, arrays: { dir, instance } });
    const claimed = hello.running ? this.reclaim(worker, hello.running) : false;
    if (!claimed && hello.running) worker.state = { kind: "finishing", jobId: hello.running };
    else if (!claimed) this.engine.pools.get(worker.pool)!.idle.add(worker);
    this.hooks.announce(worker);
    this.engine.workerJoined();
    this.engine.dispatch(worker.pool);
  }

  /**
   * The job a reconnecting worker still runs. It may be journaled as running there, or still
   * as queued: a killed IO engine can die after sending a job and before its batched write
   * of the "running" state. Either way the worker has it, so it is adopted, never sent twice.
   */
  private reclaim(worker: WorkerEntry, jobId: string): boolean {
    const lost = this.lost.get(jobId);
    if (lost?.workerId === worker.id) {
      clearTimeout(lost.timer);
      this.lost.delete(jobId);
    }
    const job = this.engine.active.get(jobId);
    if (job?.state === "running" && job.worker?.id === worker.id) {
      // Its timeout still counts from when it started.
      this.engine.assign(worker, job, (job.started_at ?? Date.now()) + job.timeout_s * 1000);
      return true;
    }
    if (job?.state === "queued" && job.pool === worker.pool) {
      // A restarted engine may have sent it ahead to another worker: that copy is withdrawn.
      this.engine.unqueue(job);
      this.engine.begin(job, worker);
      return true;
    }
    this.hooks.log(`worker ${worker.id} says it runs job ${jobId}, which gaia no longer counts as running there; its result will be ignored`);
    return false;
  }

  result(conn: Connection, result: Result): void {
    const worker = conn.tag as WorkerEntry | undefined;
    if (worker?.state.kind === "finishing" && worker.state.jobId === result.id) {
      // The end of a job gaia had already settled otherwise: the worker is free again.
      if (result.arrays) this.engine.arrays.discardIgnored(result.id, worker.pid, result.arrays);
      this.engine.freeWorker(worker);
      this.engine.dispatch(worker.pool);
      return;
    }
    if (worker && result.ok) result = storable(result);
    if (!worker || !(this.engine.complete(worker, result) || this.adoptFinished(worker, result))) {
      if (worker && result.arrays) this.engine.arrays.discardIgnored(result.id, worker.pid, result.arrays);
      this.hooks.log(`ignoring a result for job ${result.id}, which ${worker ? `worker ${worker.id}` : "this connection"} was not given`);
    }
  }

  /**
   * A result for a job taken back from this worker (a drain, say) that it had already run in
   * a burst: the job is still queued and has not started elsewhere, so the result is its end,
   * rather than a reason to run it again.
   */
  private adoptFinished(worker: WorkerEntry, result: Result): boolean {
    const job = this.engine.active.get(result.id);
    if (!job || job.state !== "queued" || !this.engine.reservations.cameFrom(job, worker) || worker.state.kind !== "idle") return false;
    this.engine.unqueue(job);
    this.engine.pools.get(worker.pool)?.idle.delete(worker);
    this.engine.begin(job, worker);
    return this.engine.complete(worker, result);
  }

  progress(conn: Connection, progress: Progress): void {
    const worker = conn.tag as WorkerEntry | undefined;
    if (worker?.state.kind !== "busy" || worker.state.job.id !== progress.id) return;
    const job = worker.state.job;
    job.progress = { fraction: Math.min(1, Math.max(0, progress.fraction)), message: progress.message };
    this.engine.journal.save(job, false);
    this.engine.ledger.events.progress(job);
  }

  fatal(conn: Connection, fatal: Fatal & { worker_id?: string }): void {
    const worker = conn.tag as WorkerEntry | undefined;
    this.hooks.fatal(worker?.id ?? fatal.worker_id ?? null, fatal.message);
  }

  /** The worker's connection closed. Its job, if any, waits for the exit report. */
  closed(conn: Connection): void {
    const worker = conn.tag as WorkerEntry | undefined;
    if (!worker || this.workers.get(worker.id) !== worker) return;
    this.workers.delete(worker.id);
    const pool = this.engine.pools.get(worker.pool);
    pool?.idle.delete(worker);
    pool?.members.delete(worker);
    this.engine.returnReserved(worker);
    if (worker.state.kind === "busy") {
      const job = worker.state.job;
      this.engine.freeWorker(worker);
      const timer = setTimeout(() => this.settleLost(job.id, null), LOST_GRACE_MS);
      this.lost.set(job.id, { job, workerId: worker.id, pid: worker.pid, timer });
    }
    this.engine.dispatch(worker.pool);
  }

  /** The supervisor saw a worker process exit. */
  exited(report: ExitReport): void {
    const worker = this.workers.get(report.worker_id);
    // Closing the connection runs `closed` (through onClose) with the connection already
    // marked closed, so the dead worker can never go back to the idle set.
    if (worker && worker.pid === report.pid) worker.conn.close("its process exited");
    for (const [jobId, lost] of [...this.lost]) {
      if (lost.workerId === report.worker_id && lost.pid === report.pid) this.settleLost(jobId, report);
    }
  }

  /** The supervisor is about to stop this worker (a planned restart): give it nothing more. */
  stopping(workerId: string, pid: number): void {
    const worker = this.workers.get(workerId);
    if (worker && worker.pid === pid) this.engine.doom(worker);
  }

  /**
   * How a lost job ends is decided by the job, not only by why its worker died: a cancel or a
   * timeout that raced the job's own result must not end the next job it was given.
   */
  private settleLost(jobId: string, report: ExitReport | null): void {
    const lost = this.lost.get(jobId);
    if (!lost) return;
    clearTimeout(lost.timer);
    this.lost.delete(jobId);
    const { job, workerId } = lost;
    if (job.state !== "running") return;
    const reason = report?.reason ?? null;
    const pastDeadline = job.started_at !== null && Date.now() >= job.started_at + job.timeout_s * 1000;
    if (this.engine.cancelling.has(job.id)) {
      job.error = { type: "cancelled", message: `cancelled through the API while running; worker ${workerId} was killed` };
      this.engine.finish(job, "cancelled");
    } else if (reason === "memory") {
      const figures = report?.detail ?? "over its memory_limit_mb";
      this.engine.fail(job, "memory_limit_exceeded", { type: "memory_limit_exceeded", message: `${figures}; worker ${workerId} (pid ${report?.pid}) was killed` });
    } else if (reason === "timeout" && pastDeadline) {
      this.engine.fail(job, "timeout", { type: "timeout", message: `job exceeded its timeout of ${job.timeout_s} s; worker ${workerId} was killed` });
    } else {
      this.engine.fail(job, "worker_lost", { type: "worker_lost", message: describeExit(workerId, report) });
    }
    this.engine.dispatch(job.pool);
  }
}

/**
 * A result is kept as JSON (journal, API). A value JSON cannot write (an integer beyond 64
 * bits arrives as a BigInt) fails the job here, instead of failing the journal's write; so
 * does one JSON would silently turn into {} (a Map, a Set, bytes), as on the Python side.
 */
function storable(result: Result): Result {
  try {
    JSON.stringify(result.value ?? null, refuseLossy);
    return result;
  } catch (err) {
    const { value: _dropped, ...rest } = result;
    return { ...rest, ok: false, error: { type: "ResultError", message: `the task's return value cannot be stored as JSON (${(err as Error).message}); integers must stay within ±2^53` } };
  }
}

function refuseLossy(_key: string, value: unknown): unknown {
  if (value instanceof Map || value instanceof Set || ArrayBuffer.isView(value)) {
    throw new TypeError(`a ${value.constructor.name} would be stored as {}; return plain objects, arrays and numbers`);
  }
  return value;
}

export function describeExit(workerId: string, report: ExitReport | null): string {
  if (!report) return `lost the connection to worker ${workerId} and no exit was reported within ${LOST_GRACE_MS} ms`;
  const how = report.signal ? `was killed by ${report.signal}` : `exited with code ${report.code}`;
  const why = report.reason && report.reason !== "crash" ? ` (gaia stopped it: ${report.reason})` : "";
  return `worker ${workerId} (pid ${report.pid}) ${how}${why} while running the job`;
}
