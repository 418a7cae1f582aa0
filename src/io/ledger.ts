/**
 * Where every state change of a job is recorded, so the engine only decides them: the
 * counters by state, the journal (someone waiting with `?wait=` is answered right after the
 * commit that made their job terminal), the metrics and the job events.
 */
import type { EventBus } from "./events/bus.ts";
import { JobEvents } from "./events/job-events.ts";
import { isTerminal, JOB_STATES, type Job, type JobState } from "./job.ts";
import type { Journal } from "./journal.ts";
import { JobMetrics } from "./metrics.ts";
import { Waiters } from "./waiters.ts";

export class Ledger {
  readonly counts: Record<JobState, number>;
  readonly waiters = new Waiters();
  readonly metrics = new JobMetrics();
  /** Job events for `GET /v1/events`; silent while no one listens. */
  readonly events: JobEvents;
  private readonly observers: ((job: Job, from: JobState) => void)[] = [];

  constructor(
    private readonly journal: Journal,
    bus: EventBus,
  ) {
    this.counts = journal.counts();
    this.events = new JobEvents(bus);
  }

  /** New jobs, committed before anyone is told they exist. */
  added(jobs: Job[]): void {
    this.journal.insert(jobs);
    this.counts.queued += jobs.length;
    for (const job of jobs) this.events.transition(job);
  }

  /** `fn` sees every state change after it is recorded (a cluster node's writes to the shared journal). */
  observe(fn: (job: Job, from: JobState) => void): void {
    this.observers.push(fn);
  }

  /** A job this engine no longer holds (a cluster node released it): out of the counters and the journal. */
  forget(job: Job): void {
    this.counts[job.state]--;
    this.journal.remove(job.id);
  }

  transition(job: Job, state: JobState): void {
    const from = job.state;
    this.counts[from]--;
    this.counts[state]++;
    job.state = state;
    const terminal = isTerminal(state);
    this.metrics.transition(job, from);
    this.events.transition(job);
    for (const fn of this.observers) fn(job, from);
    // Someone waiting for this end is answered right after its commit; otherwise the end
    // rides the next batched write (within LAZY_FLUSH_MS), as thousands of batch jobs do.
    if (terminal && this.waiters.has(job.id)) this.journal.save(job, true, () => this.waiters.resolve(job));
    else this.journal.save(job, false);
  }

  /** Terminal jobs purged from the journal leave the counters too; how many went. */
  purge(before: number): number {
    const removed = this.journal.purge(before);
    let total = 0;
    for (const state of JOB_STATES) {
      this.counts[state] -= removed[state] ?? 0;
      total += removed[state] ?? 0;
    }
    return total;
  }
}
