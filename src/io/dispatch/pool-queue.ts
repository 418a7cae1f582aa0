/**
 * One pool's queue of jobs, its workers and its spares, as the IO engine sees them.
 *
 * Jobs wait by priority (SPEC §5: higher first, then oldest first): one FIFO lane per
 * priority in use (fifo.ts), looked at from the highest. A job that left the queue some other
 * way (cancelled, claimed by a worker that holds its result, taken for a reconnecting worker)
 * stays in its lane and is skipped when it reaches the head. Whether a job still waits here
 * is the engine's to say (`waits`: its place is `queued`). `depth` counts only those.
 *
 * Prefetch: under load a busy worker also holds up to PREFETCH jobs it has been sent but not
 * started (its state's `ahead`), so it never sleeps between jobs and jobs travel in bursts.
 * Such a job is still `queued`: its attempt, start time and timeout begin when the worker
 * reaches it. A worker still runs one job at a time.
 */
import type { Job } from "../job.ts";
import { Fifo } from "./fifo.ts";
import { aheadOf, setRefill, takesWork, type WorkerEntry } from "./worker.ts";

export const PREFETCH = 16;
/** A worker is topped up only once it holds this few, so jobs travel in bursts. */
export const PREFETCH_LOW = 4;

export class PoolQueue {
  private readonly lanes = new Map<number, Fifo<Job>>();
  /** The priorities that have a lane, highest first. */
  private order: number[] = [];
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
    this.lane(job.priority).push(job);
    this.depth++;
  }

  /** Jobs waiting in this pool: in the queue, or sent to a busy worker and not started. */
  get waiting(): number {
    let ahead = 0;
    for (const worker of this.members) ahead += aheadOf(worker).length;
    return this.depth + ahead;
  }

  /** Back to the head of its lane: a job sent ahead whose worker went away. */
  pushFront(job: Job): void {
    this.lane(job.priority).pushFront(job);
    this.depth++;
  }

  /** The next job that still waits (highest priority, then oldest), without taking it. */
  peek(): Job | undefined {
    for (const p of this.order) {
      const job = this.lanes.get(p)!.peek(this.waits);
      if (job) return job;
      if (p !== 0) this.drop(p); // an empty lane of an unusual priority goes
    }
    return undefined;
  }

  private drop(priority: number): void {
    this.lanes.delete(priority);
    this.order = this.order.filter((p) => p !== priority);
  }

  /** Takes the next job that still waits, or undefined. */
  shift(): Job | undefined {
    for (const p of this.order) {
      const job = this.lanes.get(p)!.shift(this.waits);
      if (job) {
        this.depth--;
        return job;
      }
    }
    return undefined;
  }

  private lane(priority: number): Fifo<Job> {
    let lane = this.lanes.get(priority);
    if (!lane) {
      lane = new Fifo<Job>();
      this.lanes.set(priority, lane);
      this.order = [...this.lanes.keys()].sort((a, b) => b - a);
    }
    return lane;
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
