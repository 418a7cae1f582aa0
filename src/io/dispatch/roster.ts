/**
 * The IO engine's workers: who is connected, as which worker, and what happens to their jobs
 * when they come, go, or are replaced by a spare.
 *
 * A worker's death is seen twice and in no set order: its socket closes here, and the
 * supervisor reports the exit (code, signal, and why gaia stopped it, if it did). A job whose
 * worker's connection closed waits in place `lost` for that report, at most LOST_GRACE_MS,
 * so its error says exactly what happened (settle.ts decides). A worker that only lost its
 * connection (the IO engine restarted) comes back with a hello naming the job it runs and the
 * results it holds unacknowledged, and takes them up again.
 */
import type { Connection } from "../../protocol/connection.ts";
import type { JobAttempt, Progress, WorkerHello } from "../../protocol/worker-messages.ts";
import { PROTOCOL_VERSION } from "../../protocol/messages.ts";
import type { Job } from "../job.ts";
import { ORPHAN_GRACE_MS, unclaimedOrphan } from "./adopt.ts";
import type { Engine } from "./engine.ts";
import { settleLost, type ExitReport } from "./settle.ts";
import { currentJob, setState, type WorkerEntry } from "./worker.ts";

export const LOST_GRACE_MS = 2000;

export type RosterHooks = {
  /** A hello was accepted: the supervisor marks the process ready. */
  announce(worker: WorkerEntry, spare: boolean): void;
  log(line: string): void;
};

export class Roster {
  /** Connected workers that take jobs, by worker id. */
  readonly workers = new Map<string, WorkerEntry>();

  constructor(
    private readonly engine: Engine,
    private readonly hooks: RosterHooks,
  ) {}

  hello(conn: Connection, hello: WorkerHello): void {
    const pool = this.engine.pools.get(hello.pool);
    if (!pool) return conn.close(`worker ${hello.worker_id} names unknown pool '${hello.pool}'`);
    const previous = this.workers.get(hello.worker_id);
    if (previous && previous.conn !== conn && !hello.spare) previous.conn.close("replaced by a new connection from the same worker");
    const worker: WorkerEntry = {
      id: hello.worker_id, pool: hello.pool, pid: hello.pid, runtime: hello.runtime, tasks: new Set(hello.tasks), gpus: hello.gpus, conn,
      state: { kind: hello.spare ? "spare" : "idle" },
      jobsDone: previous && previous.pid === hello.pid ? previous.jobsDone : 0,
      connectedAt: Date.now(),
    };
    conn.tag = worker;
    const { dir, instance } = this.engine.arrays.settings;
    conn.send({ t: "welcome", v: PROTOCOL_VERSION, io_pid: process.pid, arrays: { dir, instance } });
    if (hello.spare) {
      pool.spares.set(worker.pid, worker);
      return this.hooks.announce(worker, true);
    }
    this.join(worker);
    for (const result of hello.unacked) this.claim(worker, result);
    if (!(hello.running && this.reclaim(worker, hello.running))) {
      setState(worker, hello.running ? { kind: "finishing", jobId: hello.running.id } : { kind: "idle" }, pool);
    }
    this.hooks.announce(worker, false);
    this.engine.workerJoined();
    this.engine.dispatch(worker.pool);
  }

  private join(worker: WorkerEntry): void {
    this.workers.set(worker.id, worker);
    this.engine.pools.get(worker.pool)!.members.add(worker);
  }

  /**
   * The job a reconnecting worker still runs. It may be journaled as running there, or still
   * as queued: a killed IO engine can die after sending a job and before its batched write
   * of the "running" state. Either way the worker has it, so it is adopted, never sent twice.
   */
  private reclaim(worker: WorkerEntry, running: JobAttempt): boolean {
    const job = this.engine.active.get(running.id);
    if (job?.state === "running" && job.worker?.id === worker.id && job.attempts === running.attempt) {
      // Its deadline still counts from when it started; it never stopped.
      this.engine.places.set(job, { kind: "running", worker });
      setState(worker, { kind: "busy", job, ahead: [], refill: false }, this.engine.pools.get(worker.pool));
      return true;
    }
    if (job?.state === "queued" && job.pool === worker.pool && job.attempts + 1 === running.attempt) {
      this.engine.unqueue(job); // a copy sent ahead to another worker is withdrawn
      this.engine.begin(job, worker, []);
      return true;
    }
    this.hooks.log(`worker ${worker.id} says it runs job ${running.id}, which gaia no longer counts as running there; its result will be ignored`);
    return false;
  }

  /** A result the worker holds unacknowledged: the job waits for it rather than run again. */
  private claim(worker: WorkerEntry, held: JobAttempt): void {
    const job = this.engine.active.get(held.id);
    if (!job) return; // ended already: the result will be acknowledged and ignored
    const fits = job.state === "queued" ? job.attempts + 1 === held.attempt : job.worker?.id === worker.id && job.attempts === held.attempt;
    if (!fits) return;
    if (job.state === "queued") this.engine.unqueue(job);
    this.engine.places.set(job, { kind: "claimed", worker });
  }

  /** A spare takes the place of worker `workerId` (the supervisor promoted it). */
  promote(sparePid: number, workerId: string): void {
    const pool = [...this.engine.pools.values()].find((p) => p.spares.has(sparePid));
    const spare = pool?.spares.get(sparePid);
    if (!pool || !spare) return this.hooks.log(`spare pid ${sparePid} was promoted to ${workerId} but is not connected; it joins when it says hello`);
    pool.spares.delete(sparePid);
    const old = this.workers.get(workerId);
    if (old) old.conn.close("its place was taken by a spare");
    spare.id = workerId;
    spare.conn.send({ t: "promote", worker_id: workerId });
    this.join(spare);
    setState(spare, { kind: "idle" }, pool);
    this.engine.workerJoined();
    this.engine.dispatch(pool.name);
  }

  /** Every connected worker and spare, told again (the supervisor reconnected). */
  announceAll(): void {
    for (const worker of this.workers.values()) this.hooks.announce(worker, false);
    for (const pool of this.engine.pools.values()) for (const spare of pool.spares.values()) this.hooks.announce(spare, true);
  }

  progress(worker: WorkerEntry, progress: Progress): void {
    const job = currentJob(worker);
    if (!job || job.id !== progress.id) return;
    job.progress = { fraction: Math.min(1, Math.max(0, progress.fraction)), message: progress.message };
    this.engine.journal.save(job, false);
    this.engine.ledger.events.progress(job);
  }

  /** The worker's connection closed. What it held goes back; its job waits for the exit report. */
  closed(worker: WorkerEntry): void {
    const pool = this.engine.pools.get(worker.pool);
    if (pool?.spares.get(worker.pid) === worker) return void pool.spares.delete(worker.pid);
    if (this.workers.get(worker.id) !== worker) return;
    this.workers.delete(worker.id);
    pool?.members.delete(worker);
    this.engine.returnAhead(worker);
    const job = currentJob(worker);
    setState(worker, { kind: "idle" }, pool); // the connection is closed: never back in the idle set
    if (job) this.awaitExit(job, worker);
    for (const [id, place] of [...this.engine.places.ofKind("claimed")]) {
      const held = this.engine.active.get(id);
      if (place.worker === worker && held) this.awaitExit(held, worker);
    }
    this.engine.dispatch(worker.pool);
  }

  private awaitExit(job: Job, worker: WorkerEntry): void {
    const timer = setTimeout(() => this.settle(job, worker.id, null), LOST_GRACE_MS);
    this.engine.places.set(job, { kind: "lost", workerId: worker.id, pid: worker.pid, timer });
  }

  /** The supervisor saw a worker process end. */
  exited(report: ExitReport): void {
    const worker = this.workers.get(report.workerId);
    // Closing runs `closed` (through onClose) with the connection already marked closed.
    if (worker && worker.pid === report.pid) worker.conn.close("its process exited");
    for (const pool of this.engine.pools.values()) pool.spares.get(report.pid)?.conn.close("its process exited");
    for (const [id, place] of [...this.engine.places.ofKind("lost")]) {
      const job = this.engine.active.get(id);
      if (job && place.workerId === report.workerId && place.pid === report.pid) this.settle(job, report.workerId, report);
    }
    for (const [id] of [...this.engine.places.ofKind("orphan")]) {
      const job = this.engine.active.get(id);
      if (job?.worker?.id === report.workerId && job.worker.pid === report.pid) this.settle(job, report.workerId, report);
    }
  }

  /** The supervisor is about to stop this worker (a planned restart): give it nothing more. */
  stopping(workerId: string, pid: number): void {
    const worker = this.workers.get(workerId);
    if (worker && worker.pid === pid && worker.state.kind !== "stopping") this.engine.doom(worker, "restart", false);
  }

  private settle(job: Job, workerId: string, exit: ExitReport | null): void {
    if (job.state !== "running") return;
    const pastDeadline = job.started_at !== null && Date.now() >= job.started_at + job.timeout_s * 1000;
    const outcome = settleLost({ cancelRequested: this.engine.cancelling.has(job.id), pastDeadline, timeoutS: job.timeout_s, workerId, exit, graceMs: LOST_GRACE_MS });
    if (outcome.kind === "cancelled") {
      job.error = outcome.error;
      this.engine.finish(job, "cancelled");
    } else this.engine.fail(job, outcome.failure, outcome.error);
    this.engine.dispatch(job.pool);
  }

  /** Jobs journaled as running at the engine's start: a worker claims each, or it is settled. */
  adoptOrphans(orphans: Job[]): void {
    for (const job of orphans) {
      this.engine.active.set(job.id, job);
      const timer = setTimeout(() => this.orphanUnclaimed(job), ORPHAN_GRACE_MS);
      this.engine.places.set(job, { kind: "orphan", timer });
      this.engine.armDeadline(job);
    }
  }

  private orphanUnclaimed(job: Job): void {
    if (this.engine.places.get(job.id)?.kind !== "orphan" || job.state !== "running") return;
    const end = unclaimedOrphan(this.engine.cancelling.has(job.id));
    if (end.state === "cancelled") {
      job.error = end.error;
      this.engine.finish(job, "cancelled");
    } else this.engine.fail(job, "worker_lost", end.error);
    this.engine.dispatch(job.pool);
  }

}
