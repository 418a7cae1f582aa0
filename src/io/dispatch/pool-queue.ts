/**
 * One pool's queue of jobs, its workers and its spares, as the IO engine sees them.
 *
 * The queue is an array with a moving head (O(1) shift, compacted now and then). A job that
 * left the queue some other way (cancelled, claimed by a worker that holds its result, taken
 * for a reconnecting worker) stays in the array and is skipped when it reaches the head:
 * leaving is O(1) and the queue never needs a search. Whether a job is still waiting here
 * is the engine's to say (`waits`: its place is `queued`). `depth` counts only those.
 *
 * Prefetch: under load a busy worker also holds up to PREFETCH jobs it has been sent but not
 * started (its state's `ahead`), so it never sleeps between jobs and jobs travel in bursts.
 * Such a job is still `queued`: its attempt, start time and timeout begin when the worker
 * reaches it. A worker still runs one job at a time.
 */
import type { Job } from "../job.ts";
import { aheadOf, setRefill, takesWork, type WorkerEntry } from "./worker.ts";

export const PREFETCH = 16;
/** A worker is topped up only once it holds this few, so jobs travel in bursts. */
export const PREFETCH_LOW = 4;

export class PoolQueue {
  private items: Job[] = [];
  private head = 0;
  depth = 0;
  /** Kept by setState (worker.ts), never written here. */
  readonly idle = new Set<WorkerEntry>();
  /** Every connected worker of the pool that is not a spare. */
  readonly members = new Set<WorkerEntry>();
  /** Connected spares, by pid. */
  readonly spares = new Map<number, WorkerEntry>();

  /** `maxJobsPerWorker`: the pool's max_jobs_per_worker (0: no limit). */
  constructor(
    readonly name: string,
    readonly maxJobsPerWorker = 0,
    private readonly waits: (job: Job) => boolean = (job) => job.state === "queued",
  ) {}

  /**
   * Whether `worker` may be given one more job: never more than its recycling budget, so a
   * worker due for replacement holds no job it has not started.
   */
  hasBudget(worker: WorkerEntry): boolean {
    if (this.maxJobsPerWorker === 0) return true;
    const given = worker.jobsDone + (worker.state.kind === "busy" ? 1 + worker.state.ahead.length : 0);
    return given < this.maxJobsPerWorker;
  }

  push(job: Job): void {
    this.items.push(job);
    this.depth++;
  }

  /** Jobs waiting in this pool: in the queue, or sent to a busy worker and not started. */
  get waiting(): number {
    let ahead = 0;
    for (const worker of this.members) ahead += aheadOf(worker).length;
    return this.depth + ahead;
  }

  /** Back to the head of the queue: a job sent ahead whose worker went away. */
  pushFront(job: Job): void {
    if (this.head > 0) this.items[--this.head] = job;
    else this.items.unshift(job);
    this.depth++;
  }

  /** The next job still queued, without taking it; drops what was cancelled while it waited. */
  peek(): Job | undefined {
    while (this.head < this.items.length && !this.waits(this.items[this.head]!)) this.items[this.head++] = undefined as unknown as Job;
    return this.items[this.head];
  }

  /** The next job still queued, or undefined; skips what was cancelled while it waited. */
  shift(): Job | undefined {
    while (this.head < this.items.length) {
      const job = this.items[this.head]!;
      this.items[this.head++] = undefined as unknown as Job;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if (this.waits(job)) {
        this.depth--;
        return job;
      }
    }
    return undefined;
  }

  /** Called when a job in this queue stops being queued without being shifted. */
  forget(): void {
    this.depth--;
  }

  /**
   * The busy worker to send a job to ahead of time: one being topped up (under PREFETCH,
   * and it was down to PREFETCH_LOW when the burst began), else the emptiest at or under
   * PREFETCH_LOW. Marks the burst on the worker it picks (its state's `refill`).
   */
  prefetchTarget(): WorkerEntry | undefined {
    let best: WorkerEntry | undefined;
    for (const worker of this.members) {
      const s = worker.state;
      if (s.kind !== "busy" || !takesWork(worker) || s.ahead.length >= PREFETCH || !this.hasBudget(worker)) continue;
      if (!s.refill && s.ahead.length > PREFETCH_LOW) continue;
      if (!best || s.ahead.length < aheadOf(best).length) best = worker;
    }
    if (best) setRefill(best, aheadOf(best).length + 1 < PREFETCH);
    return best;
  }
}
