/**
 * Job events leaving the IO engine for the supervisor's event bus (`GET /v1/events`).
 *
 * The engine dispatches tens of thousands of jobs a second, so events cost nothing while no
 * one listens: `emit` returns at its first line unless the supervisor said a client is
 * subscribed (an `events.listen` event). While someone listens, the events of one
 * event-loop turn leave together in one `event` frame of kind `events` ({events: [...]}),
 * not one frame each: a batch of 10,000 jobs finishing in one turn is one write.
 */
import type { Job } from "./job.ts";

/** Events per frame: a few hundred bytes each, so a frame stays around a megabyte. */
const CHUNK = 4096;

export type OutEvent = { kind: string; at: string; data: Record<string, unknown> };

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
  listening = false;
  private pending: OutEvent[] = [];
  private scheduled = false;

  /** `send` carries one batch to the supervisor (null while it is not connected). */
  constructor(private readonly send: (events: OutEvent[]) => void) {}

  emit(kind: string, data: Record<string, unknown>): void {
    if (!this.listening) return;
    this.pending.push({ kind, at: iso(Date.now()), data });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** A job changed state: `job.queued`, `job.started`, or `job.finished`. */
  transition(job: Job): void {
    if (!this.listening) return;
    const base = { job_id: job.id, task: job.task, pool: job.pool, attempts: job.attempts };
    if (job.state === "queued") this.emit("job.queued", base);
    else if (job.state === "running") this.emit("job.started", { ...base, worker: job.worker });
    else {
      this.emit("job.finished", {
        ...base,
        state: job.state,
        error: job.error,
        execution_ms: job.execution_ms,
        finished_at: job.finished_at === null ? null : iso(job.finished_at),
      });
    }
  }

  progress(job: Job): void {
    if (!this.listening || !job.progress) return;
    this.emit("job.progress", { job_id: job.id, task: job.task, pool: job.pool, fraction: job.progress.fraction, message: job.progress.message });
  }

  private flush(): void {
    this.scheduled = false;
    const events = this.pending;
    this.pending = [];
    // Chunks keep each frame far below the 16 MiB cap, whatever a turn produced.
    for (let i = 0; i < events.length; i += CHUNK) this.send(events.slice(i, i + CHUNK));
  }
}
