/**
 * The job lifecycle in the IO engine: submit → queued → running → terminal, with retries.
 *
 * Every state change goes through `transition`, which keeps the counters and the journal
 * in step. Jobs that are queued or running live in `active`; terminal ones only in the
 * journal. Waiters (`?wait=`) are told after the commit that made their job terminal.
 */
import type { Config } from "../config/schema.ts";
import type { ErrorInfo, Result } from "../protocol/messages.ts";
import { isTerminal, STATES, type Job, type JobState } from "./job.ts";
import type { Journal } from "./journal.ts";
import { PoolQueue, type WorkerEntry } from "./pool-queue.ts";
import { decideRetry, type FailureKind } from "./retry.ts";
import { Waiters } from "./waiters.ts";

export type EngineHooks = {
  /** Ask the supervisor to kill a worker (timeouts, cancels); it reports the exit later. */
  killWorker(workerId: string, reason: string): void;
  log(line: string): void;
};

export class Engine {
  readonly pools = new Map<string, PoolQueue>();
  readonly active = new Map<string, Job>();
  readonly counts: Record<JobState, number>;
  readonly waiters = new Waiters();
  private readonly delayed = new Map<string, ReturnType<typeof setTimeout>>();
  draining = false;

  constructor(
    readonly config: Config,
    readonly journal: Journal,
    private readonly hooks: EngineHooks,
  ) {
    for (const pool of config.pools) this.pools.set(pool.name, new PoolQueue(pool.name));
    this.counts = journal.counts();
  }

  get runningCount(): number {
    return this.counts.running;
  }

  /** New jobs: committed to the journal (before anyone is told they exist), then queued. */
  accept(jobs: Job[]): void {
    this.journal.insert(jobs);
    this.counts.queued += jobs.length;
    for (const job of jobs) this.enqueue(job);
  }

  /** Jobs already journaled and counted (a retry, or the queue found at start) enter their queues. */
  enqueue(job: Job): void {
    this.active.set(job.id, job);
    const wait = job.not_before - Date.now();
    if (wait > 0) {
      this.delayed.set(job.id, setTimeout(() => this.release(job), wait));
      return;
    }
    this.pools.get(job.pool)?.push(job);
  }

  private release(job: Job): void {
    this.delayed.delete(job.id);
    if (job.state !== "queued") return;
    this.pools.get(job.pool)?.push(job);
    this.dispatch(job.pool);
  }

  /** Gives queued jobs to idle workers, one job per worker. */
  dispatch(poolName: string): void {
    const pool = this.pools.get(poolName);
    if (!pool || this.draining) return;
    while (pool.idle.size > 0) {
      const job = pool.shift();
      if (!job) return;
      const worker = pool.idleFor(job.task);
      if (!worker) {
        // Workers of one pool load the same modules; a gap means one is outdated. Requeue.
        pool.push(job);
        return;
      }
      this.start(job, worker);
    }
  }

  private start(job: Job, worker: WorkerEntry): void {
    const pool = this.pools.get(worker.pool)!;
    pool.idle.delete(worker);
    job.attempts++;
    job.started_at = Date.now();
    job.worker = { id: worker.id, pid: worker.pid };
    job.progress = null;
    this.transition(job, "running");
    this.assign(worker, job, job.started_at + job.timeout_s * 1000);
    worker.conn.send({
      t: "job",
      id: job.id,
      task: job.task,
      payload: job.payload,
      attempt: job.attempts,
      deadline: job.started_at + job.timeout_s * 1000,
      session_id: job.session_id,
      session_reset: false,
    });
  }

  /** A queued job that a worker turns out to be running already (see WorkerLink.reclaim). */
  adoptQueued(job: Job, worker: WorkerEntry): Job {
    const timer = this.delayed.get(job.id);
    if (timer) (clearTimeout(timer), this.delayed.delete(job.id));
    else this.pools.get(job.pool)?.forget();
    job.attempts++;
    job.started_at = Date.now();
    job.worker = { id: worker.id, pid: worker.pid };
    this.transition(job, "running");
    return job;
  }

  /** Marks `worker` busy with `job` and arms the timeout that kills it at the deadline. */
  assign(worker: WorkerEntry, job: Job, deadline: number): void {
    const timer = setTimeout(() => this.hooks.killWorker(worker.id, "timeout"), Math.max(0, deadline - Date.now()));
    worker.state = { kind: "busy", job, timer };
  }

  /** A worker reported a result; false when it was not running that job. */
  complete(worker: WorkerEntry, result: Result): boolean {
    if (worker.state.kind !== "busy" || worker.state.job.id !== result.id) return false;
    const job = worker.state.job;
    this.freeWorker(worker);
    worker.jobsDone++;
    job.execution_ms = result.execution_ms;
    job.usage = result.usage;
    if (result.ok) {
      job.result = result.value ?? null;
      job.error = null;
      this.finish(job, "succeeded");
    } else {
      this.fail(job, "error", result.error ?? { type: "Error", message: "the handler failed without an error" });
    }
    this.dispatch(worker.pool);
    return true;
  }

  /** Frees a worker from its job: clears the timeout, back to the idle set. */
  freeWorker(worker: WorkerEntry): void {
    if (worker.state.kind === "busy" && worker.state.timer) clearTimeout(worker.state.timer);
    worker.state = { kind: "idle" };
    if (!worker.conn.closed) this.pools.get(worker.pool)?.idle.add(worker);
  }

  /** An attempt failed: retry per the job's policy, or end it. */
  fail(job: Job, kind: FailureKind, error: ErrorInfo): void {
    job.error = error;
    const decision = decideRetry(job.retries, job.attempts, kind);
    if (decision.retry && !this.draining) {
      job.worker = null;
      job.not_before = Date.now() + decision.delayMs;
      this.transition(job, "queued");
      this.enqueue(job);
      return;
    }
    this.finish(job, kind === "timeout" ? "timed_out" : "failed");
  }

  finish(job: Job, state: JobState): void {
    job.finished_at = Date.now();
    this.active.delete(job.id);
    this.transition(job, state);
  }

  /** Cancels a queued job; a running one is cancelled when its killed worker's exit is seen. */
  cancel(job: Job): "cancelled" | "killing" {
    if (job.state === "running" && job.worker) {
      this.hooks.killWorker(job.worker.id, "cancel");
      return "killing";
    }
    const timer = this.delayed.get(job.id);
    if (timer) (clearTimeout(timer), this.delayed.delete(job.id));
    else this.pools.get(job.pool)?.forget();
    job.error = { type: "cancelled", message: "cancelled through the API while queued" };
    this.finish(job, "cancelled");
    return "cancelled";
  }

  /** Puts a running job back to queued without counting the attempt (shutdown). */
  requeue(job: Job): void {
    job.attempts = Math.max(0, job.attempts - 1);
    job.worker = null;
    job.started_at = null;
    this.transition(job, "queued");
  }

  private transition(job: Job, state: JobState): void {
    this.counts[job.state]--;
    this.counts[state]++;
    job.state = state;
    const terminal = isTerminal(state);
    this.journal.save(job, terminal, terminal ? () => this.waiters.resolve(job) : undefined);
  }

  /** Terminal jobs purged from the journal leave the counters too. */
  purge(before: number): number {
    const removed = this.journal.purge(before);
    let total = 0;
    for (const state of STATES) {
      this.counts[state] -= removed[state] ?? 0;
      total += removed[state] ?? 0;
    }
    return total;
  }
}
