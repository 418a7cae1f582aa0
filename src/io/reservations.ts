/**
 * Jobs sent to a worker ahead of time (prefetch), and jobs taken back from one.
 *
 * A reserved job is still `queued`: it sits in its worker's `reserved` list, in the order the
 * worker will run it, until the worker reaches it. Taken back (the worker went away, drains,
 * or is being stopped) it returns to the front of its pool's queue; the worker it came from
 * is remembered, because a worker running a burst may already have run it, and then its
 * result is the job's end rather than a reason to run it again.
 */
import type { Job } from "./job.ts";
import type { PoolQueue, WorkerEntry } from "./pool-queue.ts";

export class Reservations {
  private readonly holders = new Map<string, WorkerEntry>();
  private readonly returned = new Map<string, WorkerEntry>();

  reserve(job: Job, worker: WorkerEntry): void {
    worker.reserved.push(job);
    this.holders.set(job.id, worker);
  }

  /** The next job `worker` holds that is still queued, taken off its list. */
  next(worker: WorkerEntry): Job | undefined {
    for (let job = worker.reserved.shift(); job; job = worker.reserved.shift()) {
      this.holders.delete(job.id);
      if (job.state === "queued") return job;
    }
    return undefined;
  }

  /** Withdraws a job from the worker holding it, which is told to drop it; false if none holds it. */
  withdraw(job: Job): boolean {
    const holder = this.holders.get(job.id);
    if (!holder) return false;
    holder.reserved = holder.reserved.filter((j) => j !== job);
    this.holders.delete(job.id);
    holder.conn.send({ t: "cancel", id: job.id });
    return true;
  }

  /** Everything `worker` holds goes back to the front of `pool`'s queue, in order. */
  takeBack(worker: WorkerEntry, pool: PoolQueue | undefined): void {
    for (const job of worker.reserved.reverse()) {
      this.holders.delete(job.id);
      if (job.state !== "queued") continue;
      pool?.pushFront(job);
      this.returned.set(job.id, worker);
    }
    worker.reserved = [];
  }

  /** Whether `job` was last taken back from `worker` and has not started since. */
  cameFrom(job: Job, worker: WorkerEntry): boolean {
    return this.returned.get(job.id) === worker;
  }

  /** The job started or ended: nothing to remember about where it was held. */
  settled(jobId: string): void {
    this.returned.delete(jobId);
  }
}
