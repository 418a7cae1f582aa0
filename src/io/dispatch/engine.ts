/**
 * The job lifecycle in the IO engine: submit → queued → running → terminal, with retries.
 *
 * The engine decides state changes; the ledger (../ledger.ts) records each one (counters,
 * journal, waiters, metrics, events). Unfinished jobs live in `active`, and `places` says
 * where each one is; terminal ones only in the journal. Workers come and go through the
 * roster (roster.ts); a job's arrays through job-arrays.ts. The engine's phase is one union:
 *
 *   holding    just started: nothing is dispatched until every worker is back (start-hold.ts)
 *   serving    dispatching
 *   draining   shutting down: nothing new starts; running jobs get the grace (drain.ts)
 */
import type { Config } from "../../config/schema.ts";
import { longTimeout } from "../../lib/long-timeout.ts";
import type { ErrorInfo, Result } from "../../protocol/worker-messages.ts";
import type { ArrayStore } from "../array-store.ts";
import { JobArrays } from "../job-arrays.ts";
import { jobMessage, type Job, type JobState } from "../job.ts";
import type { Journal } from "../journal.ts";
import type { Ledger } from "../ledger.ts";
import { Acks } from "./acks.ts";
import type { EngineHooks, Phase } from "./engine-hooks.ts";
import type { StopReason } from "../../protocol/reasons.ts";
import { Places } from "./places.ts";
import { place, placeNow } from "./placement.ts";
import { PoolQueue } from "./pool-queue.ts";
import { decideRetry, type FailureKind } from "./retry.ts";
import { Sessions } from "./sessions.ts";
import { Completion } from "./completion.ts";
import { StartHold } from "./start-hold.ts";
import { currentJob, dropAhead, sendAhead, setState, takeAhead, type WorkerEntry } from "./worker.ts";

export class Engine {
  readonly pools = new Map<string, PoolQueue>();
  readonly active = new Map<string, Job>();
  readonly places = new Places();
  readonly sessions = new Sessions();
  /** Running jobs whose cancel was asked for: however their worker ends, they end cancelled. */
  readonly cancelling = new Set<string>();
  readonly acks: Acks;
  phase: Phase = { kind: "holding" };
  /** Jobs taken back from a worker that may already have run them in a burst (completion.ts). */
  readonly returned = new Map<string, WorkerEntry>();
  readonly jobArrays: JobArrays;
  private readonly completion = new Completion(this);
  private readonly hold: StartHold;
  private readonly endings: ((job: Job) => void)[] = [];
  private readonly freeGpu = () => this.hooks.gpus?.freeBytes ?? new Map<string, number | null>();

  constructor(
    readonly config: Config,
    readonly journal: Journal,
    readonly arrays: ArrayStore,
    readonly ledger: Ledger,
    readonly hooks: EngineHooks,
  ) {
    const waits = (job: Job) => job.state === "queued" && this.places.get(job.id)?.kind === "queued";
    for (const pool of config.pools) this.pools.set(pool.name, new PoolQueue(pool.name, pool.max_jobs_per_worker, waits));
    this.jobArrays = new JobArrays(arrays);
    this.acks = new Acks(journal);
    this.hold = new StartHold(
      () => config.pools.every((p) => (this.pools.get(p.name)?.members.size ?? 0) >= p.size),
      () => this.serve(),
    );
  }

  get draining(): boolean {
    return this.phase.kind === "draining";
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

  /** A job already journaled and counted (a retry, the queue found at start) waits for its turn. */
  enqueue(job: Job): void {
    this.active.set(job.id, job);
    const wait = job.not_before - Date.now();
    if (wait > 0) this.places.set(job, { kind: "delayed", wait: longTimeout(() => this.release(job), wait) });
    else this.queue(job);
  }

  private queue(job: Job, front = false): void {
    this.places.set(job, { kind: "queued" });
    const pool = this.pools.get(job.pool);
    if (front) pool?.pushFront(job);
    else pool?.push(job);
  }

  private release(job: Job): void {
    if (job.state !== "queued") return;
    this.queue(job);
    this.dispatch(job.pool);
  }

  /** Called on each hello (see StartHold). */
  workerJoined(): void {
    this.hold.check();
  }

  private serve(): void {
    if (this.phase.kind !== "holding") return;
    this.phase = { kind: "serving" };
    for (const name of this.pools.keys()) this.dispatch(name);
  }

  /** Gives the pool's queued jobs to its workers, in order, while they can take them. */
  dispatch(poolName: string): void {
    const pool = this.pools.get(poolName);
    if (!pool || this.phase.kind !== "serving") return;
    for (let job = pool.peek(); job; job = pool.peek()) {
      const placement = place(pool, job, this.sessions, this.freeGpu);
      if (!placement) {
        if (pool.members.size > 0 && ![...pool.members].some((w) => w.tasks.has(job!.task))) this.orphanTask(pool, job);
        else return;
        continue;
      }
      const { worker, ahead } = placement;
      // Workers of one pool load the same modules; a gap means one is outdated: wait.
      if (!worker.tasks.has(job.task)) return;
      pool.shift();
      const reset = this.sessions.bind(job, worker);
      if (ahead) {
        sendAhead(worker, job);
        this.places.set(job, { kind: "ahead", worker });
        this.sendJob(job, worker, job.attempts + 1, reset);
      } else {
        this.begin(job, worker, []);
        this.sendJob(job, worker, job.attempts, reset);
      }
    }
  }

  /** Which worker would take `job` now, changing nothing (dry runs). */
  placeNow(job: Job) {
    const pool = this.pools.get(job.pool);
    return pool && this.phase.kind === "serving" ? placeNow(pool, job, this.sessions, this.freeGpu) : null;
  }

  /** No worker of the pool serves the job's task any more (its modules changed): it fails. */
  private orphanTask(pool: PoolQueue, job: Job): void {
    pool.shift();
    job.error = { type: "unknown_task", message: `no worker of pool '${pool.name}' serves task '${job.task}' any more` };
    this.finish(job, "failed");
  }

  private sendJob(job: Job, worker: WorkerEntry, attempt: number, sessionReset: boolean): void {
    worker.conn.send(jobMessage(job, attempt, sessionReset, this.jobArrays.inputs(job)));
  }

  /** The job starts on `worker` (which still holds `ahead`): an attempt, a start time, a deadline. */
  begin(job: Job, worker: WorkerEntry, ahead: Job[], startedAt = Date.now()): void {
    this.returned.delete(job.id);
    job.attempts++;
    job.started_at = startedAt;
    job.worker = { id: worker.id, pid: worker.pid };
    job.progress = null;
    this.ledger.transition(job, "running");
    this.places.set(job, { kind: "running", worker });
    this.armDeadline(job);
    this.hooks.gpus?.started(worker.pid);
    setState(worker, { kind: "busy", job, ahead, refill: false }, this.pools.get(worker.pool));
  }

  /** The job's timeout, from its start; it holds whatever holds the job (places.ts). */
  armDeadline(job: Job): void {
    this.places.arm(job, (job.started_at ?? Date.now()) + job.timeout_s * 1000, (j) => this.deadlinePassed(j));
  }

  /** A job's timeout: whatever holds it, its worker is killed (the only way to stop compute). */
  private deadlinePassed(job: Job): void {
    const where = this.places.get(job.id);
    if (where?.kind === "running") this.doom(where.worker, "timeout");
    else if (where?.kind === "orphan" && job.worker) this.hooks.killWorker(job.worker.id, job.worker.pid, "timeout");
    // lost: its worker is gone already and its exit report settles it; claimed: its result is on the way.
  }

  /**
   * gaia is stopping this worker: it gets nothing more, what was sent ahead goes back to the
   * queue, and its current job (if any) is not followed by another. `kill` asks the
   * supervisor to kill it now (a timeout, a cancel); otherwise the supervisor stops it.
   */
  doom(worker: WorkerEntry, why: StopReason, kill = why === "timeout" || why === "cancel"): void {
    this.returnAhead(worker);
    setState(worker, { kind: "stopping", why, job: currentJob(worker) }, this.pools.get(worker.pool));
    if (kill) this.hooks.killWorker(worker.id, worker.pid, why);
    this.dispatch(worker.pool);
  }

  /** Everything sent ahead to `worker` goes back to the front of its queue, in order. */
  returnAhead(worker: WorkerEntry): void {
    const ahead = takeAhead(worker);
    for (let i = ahead.length - 1; i >= 0; i--) {
      const job = ahead[i]!;
      if (job.state !== "queued") continue;
      this.queue(job, true);
      this.returned.set(job.id, worker);
    }
  }

  /** A result from `worker`; false when it settled nothing (see completion.ts). */
  result(worker: WorkerEntry, received: Result): boolean {
    return this.completion.result(worker, received);
  }

  /** An attempt failed: retry per the job's policy, or end it. */
  fail(job: Job, kind: FailureKind, error: ErrorInfo): void {
    this.places.disarm(job.id);
    job.error = error;
    this.jobArrays.attemptFailed(job, kind !== "error");
    if (this.draining && kind === "worker_lost" && job.state === "running") {
      // Shutdown stopped its worker: back to the queue for the next start, attempt not counted.
      return this.requeue(job);
    }
    const decision = decideRetry(job.retries, job.attempts, kind);
    if (decision.retry && !this.draining) {
      job.worker = null;
      job.not_before = Date.now() + decision.delayMs;
      this.ledger.transition(job, "queued");
      if (!this.hooks.release?.(job)) this.enqueue(job);
      return;
    }
    this.finish(job, kind === "timeout" ? "timed_out" : "failed");
  }

  finish(job: Job, state: JobState): void {
    this.cancelling.delete(job.id);
    this.returned.delete(job.id);
    this.places.delete(job.id);
    job.finished_at = Date.now();
    this.active.delete(job.id);
    this.jobArrays.ended(job, state);
    this.ledger.transition(job, state);
    for (const ended of this.endings) ended(job);
  }

  /** Tells `fn` of every job that reaches its terminal state (the scheduler's runs, say). */
  onEnded(fn: (job: Job) => void): void {
    this.endings.push(fn);
  }

  /**
   * Takes a queued job out of wherever it waits (a retry's delay, a worker it was sent ahead
   * to, which is told to drop it, or its pool's queue); it stays `queued` and placeless.
   */
  unqueue(job: Job): void {
    const where = this.places.get(job.id);
    if (where?.kind === "ahead" && dropAhead(where.worker, job)) where.worker.conn.send({ t: "cancel", id: job.id });
    else if (where?.kind === "queued") this.pools.get(job.pool)?.forget();
    this.places.delete(job.id);
  }

  /**
   * Cancels a queued job at once. A running one ends cancelled when its killed worker's exit
   * is seen; the kill waits one turn, so a result already on its way (read in that turn)
   * ends the job instead and its worker lives on: the DELETE then answers 409 with the state.
   */
  cancel(job: Job): "cancelled" | "killing" {
    if (job.state === "running") {
      this.cancelling.add(job.id);
      setImmediate(() => {
        if (job.state !== "running") return;
        const where = this.places.get(job.id);
        if (where?.kind === "running") this.doom(where.worker, "cancel");
        else if (job.worker) this.hooks.killWorker(job.worker.id, job.worker.pid, "cancel");
      });
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
    this.places.delete(job.id);
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
