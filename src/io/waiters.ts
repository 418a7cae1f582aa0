/**
 * Callers waiting for jobs to become terminal (`?wait=S`): answered as soon as the job ends,
 * or with its state when the wait runs out. One timer per waiter, cleared on either path.
 */
import type { Job } from "./job.ts";

type Waiter = { done(job: Job | null): void; timer: ReturnType<typeof setTimeout> };

export class Waiters {
  private readonly byJob = new Map<string, Set<Waiter>>();

  /** Calls `done(job)` when the job ends, or `done(null)` after `ms`; returns what stops the wait. */
  add(jobId: string, ms: number, done: (job: Job | null) => void): () => void {
    const set = this.byJob.get(jobId) ?? new Set<Waiter>();
    this.byJob.set(jobId, set);
    const forget = () => {
      clearTimeout(waiter.timer);
      set.delete(waiter);
      if (set.size === 0 && this.byJob.get(jobId) === set) this.byJob.delete(jobId);
    };
    const waiter: Waiter = { done, timer: setTimeout(() => (forget(), done(null)), ms) };
    set.add(waiter);
    return forget;
  }

  has(jobId: string): boolean {
    return this.byJob.has(jobId);
  }

  resolve(job: Job): void {
    const set = this.byJob.get(job.id);
    if (!set) return;
    this.byJob.delete(job.id);
    for (const waiter of set) {
      clearTimeout(waiter.timer);
      waiter.done(job);
    }
  }
}
