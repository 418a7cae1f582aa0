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
  private readonly lost = new Map<string, { job: Job; timer: ReturnType<typeof setTimeout> }>();

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
      jobsDone: previous && previous.pid === hello.pid ? previous.jobsDone : 0,
      connectedAt: Date.now(),
    };
    conn.tag = worker;
    this.workers.set(worker.id, worker);
    this.engine.pools.get(worker.pool)!.members.add(worker);
    conn.send({ t: "welcome", v: PROTOCOL_VERSION, io_pid: process.pid });
    const job = hello.running ? this.reclaim(worker, hello.running) : null;
    if (job) this.engine.assign(worker, job, (job.started_at ?? Date.now()) + job.timeout_s * 1000);
    else if (hello.running) worker.state = { kind: "finishing", jobId: hello.running };
    else this.engine.pools.get(worker.pool)!.idle.add(worker);
    this.hooks.announce(worker);
    this.engine.workerJoined();
    this.engine.dispatch(worker.pool);
  }

  /**
   * The job a reconnecting worker still runs. It may be journaled as running there, or still
   * as queued: a killed IO engine can die after sending a job and before its batched write
   * of the "running" state. Either way the worker has it, so it is adopted, never sent twice.
   */
  private reclaim(worker: WorkerEntry, jobId: string): Job | null {
    const lost = this.lost.get(worker.id);
    if (lost?.job.id === jobId) {
      clearTimeout(lost.timer);
      this.lost.delete(worker.id);
      return lost.job;
    }
    const job = this.engine.active.get(jobId);
    if (job?.state === "running" && job.worker?.id === worker.id) return job;
    if (job?.state === "queued" && job.pool === worker.pool) return this.engine.adoptQueued(job, worker);
    this.hooks.log(`worker ${worker.id} says it runs job ${jobId}, which gaia no longer counts as running there; its result will be ignored`);
    return null;
  }

  result(conn: Connection, result: Result): void {
    const worker = conn.tag as WorkerEntry | undefined;
    if (worker?.state.kind === "finishing" && worker.state.jobId === result.id) {
      // The end of a job gaia had already settled otherwise: the worker is free again.
      this.engine.freeWorker(worker);
      this.engine.dispatch(worker.pool);
      return;
    }
    if (!worker || !this.engine.complete(worker, result)) {
      this.hooks.log(`ignoring a result for job ${result.id}, which ${worker ? `worker ${worker.id}` : "this connection"} was not given`);
    }
  }

  progress(conn: Connection, progress: Progress): void {
    const worker = conn.tag as WorkerEntry | undefined;
    if (worker?.state.kind !== "busy" || worker.state.job.id !== progress.id) return;
    const job = worker.state.job;
    job.progress = { fraction: Math.min(1, Math.max(0, progress.fraction)), message: progress.message };
    this.engine.journal.save(job, false);
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
      const timer = setTimeout(() => this.settleLost(worker.id, null), LOST_GRACE_MS);
      this.lost.set(worker.id, { job, timer });
    }
    this.engine.dispatch(worker.pool);
  }

  /** The supervisor saw a worker process exit. */
  exited(report: ExitReport): void {
    const worker = this.workers.get(report.worker_id);
    if (worker && worker.pid === report.pid) {
      this.closed(worker.conn);
      worker.conn.close("its process exited");
    }
    this.settleLost(report.worker_id, report);
  }

  private settleLost(workerId: string, report: ExitReport | null): void {
    const lost = this.lost.get(workerId);
    if (!lost) return;
    clearTimeout(lost.timer);
    this.lost.delete(workerId);
    const { job } = lost;
    if (job.state !== "running") return;
    const reason = report?.reason ?? null;
    if (reason === "cancel" || this.engine.cancelling.has(job.id)) {
      job.error = { type: "cancelled", message: `cancelled through the API while running; worker ${workerId} was killed` };
      this.engine.finish(job, "cancelled");
    } else if (reason === "memory") {
      const figures = report?.detail ?? "over its memory_limit_mb";
      this.engine.fail(job, "memory_limit_exceeded", { type: "memory_limit_exceeded", message: `${figures}; worker ${workerId} (pid ${report?.pid}) was killed` });
    } else if (reason === "timeout") {
      this.engine.fail(job, "timeout", { type: "timeout", message: `job exceeded its timeout of ${job.timeout_s} s; worker ${workerId} was killed` });
    } else {
      this.engine.fail(job, "worker_lost", { type: "worker_lost", message: describeExit(workerId, report) });
    }
    this.engine.dispatch(job.pool);
  }
}

export function describeExit(workerId: string, report: ExitReport | null): string {
  if (!report) return `lost the connection to worker ${workerId} and no exit was reported within ${LOST_GRACE_MS} ms`;
  const how = report.signal ? `was killed by ${report.signal}` : `exited with code ${report.code}`;
  const why = report.reason && report.reason !== "crash" ? ` (gaia stopped it: ${report.reason})` : "";
  return `worker ${workerId} (pid ${report.pid}) ${how}${why} while running the job`;
}
