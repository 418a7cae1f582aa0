/**
 * Where each unfinished job is: one index, one entry per job, so no job can be in two
 * places or in none. Timers that belong to a job (a retry's wait, the grace for a lost
 * worker's exit report, an orphan's grace) live in its place and go when it leaves; the
 * deadline of a started job (its timeout) lives beside it, because it holds whatever holds
 * the job: a connected worker, a lost one, or none yet after the engine restarted.
 *
 *   queued    in its pool's queue
 *   delayed   a retry waiting for its not-before time
 *   ahead     sent to a busy worker, not started (still `queued`)
 *   running   started on a connected worker
 *   lost      its worker's connection closed; that process's exit report is awaited
 *   orphan    journaled as running when this engine started; no worker has claimed it yet
 *   claimed   a reconnected worker holds its result, not yet acknowledged; it is on its way
 */
import type { LongTimeout } from "../../lib/long-timeout.ts";
import type { Job } from "../job.ts";
import type { WorkerEntry } from "./worker.ts";

type Timer = ReturnType<typeof setTimeout>;

export type Place =
  | { kind: "queued" }
  | { kind: "delayed"; wait: LongTimeout }
  | { kind: "ahead"; worker: WorkerEntry }
  | { kind: "running"; worker: WorkerEntry }
  | { kind: "lost"; workerId: string; pid: number; timer: Timer }
  | { kind: "orphan"; timer: Timer }
  | { kind: "claimed"; worker: WorkerEntry };

export class Places {
  private readonly places = new Map<string, Place>();
  private readonly deadlines = new Map<string, Timer>();

  get(jobId: string): Place | undefined {
    return this.places.get(jobId);
  }

  /** Moves the job to `place`; the timer of the place it leaves is cleared. */
  set(job: Job, place: Place): void {
    this.clearTimer(this.places.get(job.id));
    this.places.set(job.id, place);
  }

  /** The job is terminal (or left the engine): its place and its deadline go. */
  delete(jobId: string): void {
    this.clearTimer(this.places.get(jobId));
    this.places.delete(jobId);
    this.disarm(jobId);
  }

  /** Arms the job's deadline; `fire` runs when it passes, whoever holds the job then. */
  arm(job: Job, at: number, fire: (job: Job) => void): void {
    this.disarm(job.id);
    this.deadlines.set(job.id, setTimeout(() => (this.deadlines.delete(job.id), fire(job)), Math.max(0, at - Date.now())));
  }

  disarm(jobId: string): void {
    const timer = this.deadlines.get(jobId);
    if (timer !== undefined) clearTimeout(timer);
    this.deadlines.delete(jobId);
  }

  /** Jobs whose place is `kind`, with the place (a scan: for rare events only). */
  *ofKind<K extends Place["kind"]>(kind: K): Iterable<[string, Extract<Place, { kind: K }>]> {
    for (const [id, place] of this.places) if (place.kind === kind) yield [id, place as Extract<Place, { kind: K }>];
  }

  private clearTimer(place: Place | undefined): void {
    if (place && "timer" in place) clearTimeout(place.timer);
    if (place?.kind === "delayed") place.wait.clear();
  }
}
