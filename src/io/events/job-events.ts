/**
 * Job events for the bus (`job.queued`, `job.started`, `job.progress`, `job.finished`).
 *
 * The engine changes tens of thousands of job states a second, so each call returns at its
 * first line unless someone listens (`bus.wanted`). The events of one commit are written and
 * sent together (bus.ts), so a batch of 10,000 jobs finishing in one turn costs one insert
 * loop and one write per client.
 */
import type { Job } from "../job.ts";
import type { EventBus } from "./bus.ts";

/** ISO times, rendered once per millisecond: a burst of events shares a few. */
let lastMs = -1;
let lastIso = "";
function iso(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export class JobEvents {
  constructor(private readonly bus: EventBus) {}

  /** A job changed state: `job.queued`, `job.started`, or `job.finished`. */
  transition(job: Job): void {
    if (!this.bus.wanted) return;
    const base = { job_id: job.id, task: job.task, pool: job.pool, attempts: job.attempts };
    const at = iso(Date.now());
    if (job.state === "queued") this.bus.stage("job.queued", base, at);
    else if (job.state === "running") this.bus.stage("job.started", { ...base, worker: job.worker }, at);
    else {
      this.bus.stage("job.finished", {
        ...base,
        state: job.state,
        error: job.error,
        execution_ms: job.execution_ms,
        finished_at: job.finished_at === null ? null : iso(job.finished_at),
      }, at);
    }
  }

  progress(job: Job): void {
    if (!this.bus.wanted || !job.progress) return;
    this.bus.stage("job.progress", { job_id: job.id, task: job.task, pool: job.pool, fraction: job.progress.fraction, message: job.progress.message }, iso(Date.now()));
  }
}
