/**
 * The job lifecycle in the IO engine: submit → queued → running → terminal, with retries.
 *
 * The engine decides state changes; the ledger (ledger.ts) records each one: counters,
 * journal, waiters (`?wait=`, told after the commit that made their job terminal), metrics
 * and events. Jobs that are queued or running live in `active`; terminal ones only in the
 * journal. What a job's life means for its arrays is in job-arrays.ts.
 */
import type { Config } from "../config/schema.ts";
import type { ErrorInfo, Result } from "../protocol/messages.ts";
import type { ArrayStore } from "./array-store.ts";
import { JobArrays } from "./job-arrays.ts";
import { jobMessage, type Job, type JobState } from "./job.ts";
import type { Journal } from "./journal.ts";
import { PoolQueue, type WorkerEntry } from "./pool-queue.ts";
import { decideRetry, type FailureKind } from "./retry.ts";
import { place } from "./placement.ts";
import { Reservations } from "./reservations.ts";
import { StartHold } from "./start-hold.ts";
import { Sessions } from "./sessions.ts";
import type { OutEvent } from "./events.ts";
import { Delays } from "./delays.ts";
import { Ledger } from "./ledger.ts";

export type EngineHooks = {
  /** Ask the supervisor to kill a worker process (timeouts, cancels); it reports the exit later. */
  killWorker(workerId: string, pid: number, reason: string): void;
  /** Ask the supervisor for a planned, graceful replacement (max_jobs_per_worker). */
  recycleWorker(workerId: string, pid: number): void;
  /** A job that a schedule created reached its terminal state (overlap, loops, last outcome). */
  scheduledJobEnded(job: Job): void;
  /** Job events of one turn, for the supervisor's event bus (sent only while someone listens). */
  sendEvents(events: OutEvent[]): void;
  log(line: string): void;
};

export class Engine {
  readonly pools = new Map<string, PoolQueue>();
  readonly active = new Map<string, Job>();
  /** Retries waiting for their not-before time. */
  private readonly delayed = new Delays<Job>();
  readonly sessions = new Sessions();
  /** Running jobs whose cancel was asked for: however their worker ends, they end cancelled. */
  readonly cancelling = new Set<string>();
  readonly reservations = new Reservations();
  draining = false;
  /** Records every state change: counters, journal, waiters, metrics, events. */
  readonly ledger: Ledger;
  private readonly jobArrays: JobArrays;
  private readonly hold = new StartHold(
    () => this.config.pools.every((p) => (this.pools.get(p.name)?.members.size ?? 0) >= p.size),
    () => {
      for (const name of this.pools.keys()) this.dispatch(name);
    },
  );

  constructor(
    readonly config: Config,
    readonly journal: Journal,
    readonly arrays: ArrayStore,
    private readonly hooks: EngineHooks,
  ) {
    for (const pool of config.pools) this.pools.set(pool.name, new PoolQueue(pool.name, pool.max_jobs_per_worker));
    this.ledger = new Ledger(journal, (events) => hooks.sendEvents(events));
    this.jobArrays = new JobArrays(arrays);
  }

  get runningCount(): number {
    return this.ledger.counts.running;
  }

  /** New jobs: committed to the journal (before anyone is told they exist), then queued. */
  accept(jobs: Job[]): void {
    this.ledger.added(jobs);
    for (const job of jobs) {
      this.jobArrays.accepted(job);
      this.enqueue(job);
    }
  }

  /** Jobs already journaled and counted (a retry, or the queue found at start) enter their queues. */
  enqueue(job: Job): void {
    this.active.set(job.id, job);
    if (!this.delayed.wait(job.id, job, job.not_before, this.release)) this.pools.get(job.pool)?.push(job);
  }

  /** A retry's wait is over (an arrow: one function for every job, not one per enqueue). */
  private readonly release = (job: Job): void => {
    if (job.state !== "queued") return;
    this.pools.get(job.pool)?.push(job);
    this.dispatch(job.pool);
  };

  /** Called on each hello (see StartHold). */
  workerJoined(): void {
    this.hold.check();
  }

  /** Gives the pool's queued jobs to its workers, in order, while they can take them. */
  dispatch(poolName: string): void {
    const pool = this.pools.get(poolName);
    if (!pool || this.draining || this.hold.active) return;
    for (let job = pool.peek(); job; job = pool.peek()) {
      const placement = place(pool, job, this.sessions);
      if (!placement) {
        if (pool.members.size > 0 && ![...pool.members].some((w) => w.tasks.has(job!.task))) this.orphanTask(pool, job);
        else return;
        continue;
      }
      pool.shift();
      const { worker, ahead } = placement;
      if (!worker.tasks.has(job.task)) {
        // Workers of one pool load the same modules; a gap means one is outdated.
        pool.pushFront(job);
        return;
      }
      const reset = this.sessions.bind(job, worker);
      if (ahead) {
        this.reservations.reserve(job, worker);
        this.sendJob(job, worker, job.attempts + 1, reset);
      } else {
        pool.idle.delete(worker);
        this.begin(job, worker);
        this.sendJob(job, worker, job.attempts, reset);
      }
    }
  }

  /** No worker of the pool serves the job's task any more (its modules changed): it fails. */
  private orphanTask(pool: PoolQueue, job: Job): void {
    pool.shift();
    job.error = { type: "unknown_task", message: `no worker of pool '${pool.name}' serves task '${job.task}' any more` };
    this.finish(job, "failed");
  }

  /**
   * gaia is stopping this worker (a timeout, a cancel, a planned restart): it gets nothing
   * more, what it held goes back to the queue, and its current job is not followed by another.
   */
  doom(worker: WorkerEntry, kill?: string): void {
    worker.doomed = true;
    this.returnReserved(worker);
    this.pools.get(worker.pool)?.idle.delete(worker);
    if (kill) this.hooks.killWorker(worker.id, worker.pid, kill);
    this.dispatch(worker.pool);
  }

  private sendJob(job: Job, worker: WorkerEntry, attempt: number, sessionReset: boolean): void {
    worker.conn.send(jobMessage(job, attempt, sessionReset, this.jobArrays.inputs(job)));
  }

  /** The job starts on `worker`: an attempt, a start time, a timeout. */
  begin(job: Job, worker: WorkerEntry): void {
    this.reservations.settled(job.id);
    job.attempts++;
    job.started_at = Date.now();
    job.worker = { id: worker.id, pid: worker.pid };
    job.progress = null;
    this.ledger.transition(job, "running");
    this.assign(worker, job, job.started_at + job.timeout_s * 1000);
  }

  /** After a job ends on `worker`: the next job it holds starts, or it is idle. */
  private advance(worker: WorkerEntry): void {
    const next = this.draining ? undefined : this.reservations.next(worker);
    if (next) this.begin(next, worker);
    else this.freeWorker(worker);
  }

  /** A worker went away or drains: the jobs it held but had not started go back first in line. */
  returnReserved(worker: WorkerEntry): void {
    this.reservations.takeBack(worker, this.pools.get(worker.pool));
  }

  /**
   * Takes a queued job out of wherever it waits: a retry's delay, another worker's prefetch
   * (that worker is told to drop it), or its pool's queue.
   */
  unqueue(job: Job): void {
    if (this.reservations.withdraw(job)) return;
    if (!this.delayed.cancel(job.id)) this.pools.get(job.pool)?.forget();
  }

  /** Marks `worker` busy with `job` and arms the timeout that kills it at the deadline. */
  assign(worker: WorkerEntry, job: Job, deadline: number): void {
    const timer = setTimeout(() => this.doom(worker, "timeout"), Math.max(0, deadline - Date.now()));
    worker.state = { kind: "busy", job, timer };
  }

  /** A worker reported a result; false when it was not running that job. */
  complete(worker: WorkerEntry, result: Result): boolean {
    if (worker.state.kind !== "busy" || worker.state.job.id !== result.id) return false;
    const job = worker.state.job;
    if (worker.state.timer) clearTimeout(worker.state.timer);
    worker.jobsDone++;
    job.execution_ms = result.execution_ms;
    job.usage = result.usage;
    const outcome = this.jobArrays.outcome(job, worker.pid, result);
    if (outcome.ok) {
      job.result = outcome.value;
      job.result_arrays = outcome.arrays;
      job.error = null;
      this.finish(job, "succeeded");
    } else this.fail(job, "error", outcome.error);
    if (this.dueForRecycling(worker)) this.retire(worker);
    else if (worker.doomed) this.freeWorker(worker);
    else this.advance(worker);
    this.dispatch(worker.pool);
    return true;
  }

  private dueForRecycling(worker: WorkerEntry): boolean {
    const limit = this.config.pools.find((p) => p.name === worker.pool)?.max_jobs_per_worker ?? 0;
    return limit > 0 && worker.jobsDone >= limit;
  }

  /** The worker gets nothing more; what it held goes back to the queue; it is replaced. */
  private retire(worker: WorkerEntry): void {
    this.doom(worker); // what it holds: none, by hasBudget; kept so a job can never be stranded
    worker.conn.send({ t: "drain" });
    worker.state = { kind: "retiring" };
    this.hooks.recycleWorker(worker.id, worker.pid);
  }

  /** Frees a worker from its job: clears the timeout, back to the idle set. */
  freeWorker(worker: WorkerEntry): void {
    if (worker.state.kind === "busy" && worker.state.timer) clearTimeout(worker.state.timer);
    worker.state = { kind: "idle" };
    if (!worker.conn.closed && !worker.doomed) this.pools.get(worker.pool)?.idle.add(worker);
  }

  /** An attempt failed: retry per the job's policy, or end it. */
  fail(job: Job, kind: FailureKind, error: ErrorInfo): void {
    job.error = error;
    this.jobArrays.attemptFailed(job, kind !== "error");
    if (this.draining && kind === "worker_lost" && job.state === "running") {
      // Shutdown stopped its worker: back to the queue for the next start, attempt not counted.
      this.requeue(job);
      return;
    }
    const decision = decideRetry(job.retries, job.attempts, kind);
    if (decision.retry && !this.draining) {
      job.worker = null;
      job.not_before = Date.now() + decision.delayMs;
      this.ledger.transition(job, "queued");
      this.enqueue(job);
      return;
    }
    this.finish(job, kind === "timeout" ? "timed_out" : "failed");
  }

  finish(job: Job, state: JobState): void {
    this.cancelling.delete(job.id);
    this.reservations.settled(job.id);
    job.finished_at = Date.now();
    this.active.delete(job.id);
    this.jobArrays.ended(job, state);
    this.ledger.transition(job, state);
    if (job.schedule) this.hooks.scheduledJobEnded(job);
  }

  /** Cancels a queued job; a running one is cancelled when its killed worker's exit is seen. */
  cancel(job: Job): "cancelled" | "killing" {
    if (job.state === "running" && job.worker) {
      // If the worker is already gone (its job waits for the exit report), the kill finds
      // nothing; `cancelling` makes that job end as cancelled all the same.
      this.cancelling.add(job.id);
      const worker = [...(this.pools.get(job.pool)?.members ?? [])].find((w) => w.id === job.worker!.id && w.pid === job.worker!.pid);
      if (worker) this.doom(worker, "cancel");
      else this.hooks.killWorker(job.worker.id, job.worker.pid, "cancel");
      return "killing";
    }
    this.unqueue(job);
    job.error = { type: "cancelled", message: "cancelled through the API while queued" };
    this.finish(job, "cancelled");
    return "cancelled";
  }

  /** Puts a running job back to queued without counting the attempt (shutdown). */
  requeue(job: Job): void {
    this.cancelling.delete(job.id);
    job.attempts = Math.max(0, job.attempts - 1);
    job.worker = null;
    job.started_at = null;
    this.ledger.transition(job, "queued");
  }

  /** Terminal jobs purged from the journal leave the counters too. */
  purge(before: number): number {
    const total = this.ledger.purge(before);
    if (total > 0) this.arrays.dropPurgedOutputs();
    return total;
  }
}
