/**
 * Job counters for `GET /metrics`, kept in the IO engine because it sees every job end.
 *
 * Per task: how many jobs ended in each terminal state, a histogram of their run time
 * (start of the last attempt to the end, in seconds), a histogram of how long attempts
 * waited in the queue (from when the job could first run — its creation, its `not_before`,
 * or its retry's delay — to the attempt's start), and retries. Counters live in memory and start at
 * zero when the IO engine starts, as Prometheus counters may: `rate()` and `increase()`
 * treat a drop as a reset. `GET /metrics` (src/api/metrics.ts) reads them in this process.
 */
import { isTerminal, type Job, type JobState } from "./job.ts";

/** Upper bounds in seconds: from a quick echo to the default 300 s timeout. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] as const;

/** Queue waits are shorter than run times: from a dispatch under load to a long backlog. */
export const WAIT_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300] as const;

/** A histogram's figures: non-cumulative counts per bucket (the last slot is +Inf). */
export type Histogram = { buckets: number[]; sum: number; count: number };

const histogram = (bounds: readonly number[]): Histogram => ({ buckets: new Array(bounds.length + 1).fill(0), sum: 0, count: 0 });

function observe(h: Histogram, bounds: readonly number[], seconds: number): void {
  let i = 0;
  while (i < bounds.length && seconds > bounds[i]!) i++;
  h.buckets[i]!++;
  h.sum += seconds;
  h.count++;
}

type TaskFigures = { outcomes: Record<string, number>; duration: Histogram; wait: Histogram; retries: number };

export type MetricsSnapshot = {
  buckets: readonly number[];
  waitBuckets: readonly number[];
  tasks: { task: string; outcomes: Record<string, number>; buckets: number[]; sum: number; count: number; wait: Histogram; retries: number }[];
};

export class JobMetrics {
  private readonly tasks = new Map<string, TaskFigures>();

  private of(task: string): TaskFigures {
    let figures = this.tasks.get(task);
    if (!figures) {
      figures = { outcomes: {}, duration: histogram(DURATION_BUCKETS), wait: histogram(WAIT_BUCKETS), retries: 0 };
      this.tasks.set(task, figures);
    }
    return figures;
  }

  /** A job went from `from` to its state now (the ledger calls this on every change). */
  transition(job: Job, from: JobState): void {
    if (isTerminal(job.state)) this.ended(job);
    else if (job.state === "running" && job.started_at !== null) {
      const since = Math.max(job.created_at, job.not_before);
      observe(this.of(job.task).wait, WAIT_BUCKETS, Math.max(0, job.started_at - since) / 1000);
    } else if (job.state === "queued" && from === "running" && job.started_at !== null) {
      // A retry keeps its last start time; a job put back by shutdown has it cleared
      // (engine.requeue) and is not a retry.
      this.of(job.task).retries++;
    }
  }

  private ended(job: Job): void {
    const figures = this.of(job.task);
    figures.outcomes[job.state] = (figures.outcomes[job.state] ?? 0) + 1;
    // A job cancelled while queued never ran: it counts as an outcome, not as a duration.
    if (job.started_at === null || job.finished_at === null) return;
    observe(figures.duration, DURATION_BUCKETS, Math.max(0, job.finished_at - job.started_at) / 1000);
  }

  snapshot(): MetricsSnapshot {
    const tasks = [...this.tasks].map(([task, f]) => ({
      task, outcomes: { ...f.outcomes }, buckets: [...f.duration.buckets], sum: f.duration.sum, count: f.duration.count,
      wait: { ...f.wait, buckets: [...f.wait.buckets] }, retries: f.retries,
    }));
    return { buckets: DURATION_BUCKETS, waitBuckets: WAIT_BUCKETS, tasks };
  }
}
