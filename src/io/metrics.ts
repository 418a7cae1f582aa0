/**
 * Job counters for `GET /metrics`, kept in the IO engine because it sees every job end.
 *
 * Per task: how many jobs ended in each terminal state, and a histogram of their run time
 * (start of the last attempt to the end, in seconds). Counters live in memory and start at
 * zero when the IO engine starts, as Prometheus counters may: `rate()` and `increase()`
 * treat a drop as a reset. The supervisor asks for them with the `metrics` op.
 */
import type { Job } from "./job.ts";

/** Upper bounds in seconds: from a quick echo to the default 300 s timeout. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] as const;

type TaskFigures = {
  outcomes: Record<string, number>;
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
};

export type MetricsSnapshot = {
  buckets: readonly number[];
  tasks: { task: string; outcomes: Record<string, number>; buckets: number[]; sum: number; count: number }[];
};

export class JobMetrics {
  private readonly tasks = new Map<string, TaskFigures>();

  /** A job reached a terminal state. */
  ended(job: Job): void {
    let figures = this.tasks.get(job.task);
    if (!figures) {
      figures = { outcomes: {}, buckets: new Array(DURATION_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.tasks.set(job.task, figures);
    }
    figures.outcomes[job.state] = (figures.outcomes[job.state] ?? 0) + 1;
    // A job cancelled while queued never ran: it counts as an outcome, not as a duration.
    if (job.started_at === null || job.finished_at === null) return;
    const seconds = Math.max(0, job.finished_at - job.started_at) / 1000;
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    figures.buckets[i]!++;
    figures.sum += seconds;
    figures.count++;
  }

  snapshot(): MetricsSnapshot {
    const tasks = [...this.tasks].map(([task, f]) => ({ task, outcomes: { ...f.outcomes }, buckets: [...f.buckets], sum: f.sum, count: f.count }));
    return { buckets: DURATION_BUCKETS, tasks };
  }
}
