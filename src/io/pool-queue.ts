/**
 * One pool's queue of jobs and its idle workers, as the IO engine sees them.
 *
 * The queue is an array with a moving head (O(1) shift, compacted now and then). A cancelled
 * job stays in the array and is skipped when it reaches the head: cancelling is O(1) and the
 * queue never needs a search. `depth` counts only jobs still queued.
 *
 * Prefetch: under load a busy worker also holds up to PREFETCH jobs it has been sent but not
 * started (`reserved`), so it never sleeps between jobs and jobs travel in bursts. A reserved
 * job is still `queued`: its attempt, its start time and its timeout begin when the worker
 * reaches it. It still runs one job at a time.
 */
export const PREFETCH = 16;
/** A worker is topped up only once it holds this few, so jobs travel in bursts. */
export const PREFETCH_LOW = 4;
import type { Connection } from "../protocol/connection.ts";
import type { Job } from "./job.ts";

export type WorkerState =
  | { kind: "idle" }
  | { kind: "busy"; job: Job; timer: ReturnType<typeof setTimeout> | null }
  /** Still running a job that gaia no longer counts (settled while the worker was away). */
  | { kind: "finishing"; jobId: string }
  /** Done its max_jobs_per_worker: given nothing more, replaced by the supervisor. */
  | { kind: "retiring" };

export type WorkerEntry = {
  id: string;
  pool: string;
  pid: number;
  runtime: "bun" | "python";
  tasks: ReadonlySet<string>;
  conn: Connection;
  state: WorkerState;
  /** Sent to this worker, not started yet, in the order it will run them. */
  reserved: Job[];
  /** A burst of prefetch is under way (see PoolQueue.prefetchTarget). */
  refilling: boolean;
  /** gaia is stopping this worker (kill, planned restart): it is given no more jobs. */
  doomed: boolean;
  jobsDone: number;
  connectedAt: number;
};

export class PoolQueue {
  private items: Job[] = [];
  private head = 0;
  depth = 0;
  readonly idle = new Set<WorkerEntry>();
  /** Every connected worker of the pool, idle or not. */
  readonly members = new Set<WorkerEntry>();

  /** `maxJobsPerWorker`: the pool's max_jobs_per_worker (0: no limit). */
  constructor(
    readonly name: string,
    readonly maxJobsPerWorker = 0,
  ) {}

  /**
   * Whether `worker` may be given one more job: never more than its recycling budget, so a
   * worker due for replacement holds no job it has not started.
   */
  hasBudget(worker: WorkerEntry): boolean {
    if (this.maxJobsPerWorker === 0) return true;
    const given = worker.jobsDone + (worker.state.kind === "busy" ? 1 : 0) + worker.reserved.length;
    return given < this.maxJobsPerWorker;
  }

  push(job: Job): void {
    this.items.push(job);
    this.depth++;
  }

  /** Jobs waiting in this pool: in the queue, or sent to a busy worker and not started. */
  get waiting(): number {
    let reserved = 0;
    for (const worker of this.members) reserved += worker.reserved.length;
    return this.depth + reserved;
  }

  /** Back to the head of the queue: a reserved job whose worker went away. */
  pushFront(job: Job): void {
    if (this.head > 0) this.items[--this.head] = job;
    else this.items.unshift(job);
    this.depth++;
  }

  /** The next job still queued, without taking it; drops what was cancelled while it waited. */
  peek(): Job | undefined {
    while (this.head < this.items.length && this.items[this.head]!.state !== "queued") this.items[this.head++] = undefined as unknown as Job;
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
      if (job.state === "queued") {
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
   * PREFETCH_LOW.
   */
  prefetchTarget(): WorkerEntry | undefined {
    let best: WorkerEntry | undefined;
    for (const worker of this.members) {
      if (worker.state.kind !== "busy" || worker.doomed || worker.reserved.length >= PREFETCH || !this.hasBudget(worker)) continue;
      if (!worker.refilling && worker.reserved.length > PREFETCH_LOW) continue;
      if (!best || worker.reserved.length < best.reserved.length) best = worker;
    }
    if (best) best.refilling = best.reserved.length + 1 < PREFETCH;
    return best;
  }

}
