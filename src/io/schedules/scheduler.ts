/**
 * The scheduler: one timer per schedule, in the IO engine beside the queues it feeds.
 *
 * A schedule is armed (a timer for its next fire) or idle (paused, done, or a loop waiting
 * for its run to end). When a timer fires, `gate` (policy.ts) decides whether a run starts;
 * a run is a job submitted through the same admission as the API's (routing, queue depth,
 * shutdown), journaled in one transaction with the schedule's row. The engine reports the
 * end of a schedule's job (`jobEnded`): that records its outcome and drives loops.
 *
 * Events for the bus: `schedule.fired` {name, job_id, reason, due_at, late_ms} and
 * `schedule.skipped` {name, reason, message, due_at} (reason: overlap, or the API error code
 * that refused the job, e.g. unknown_task or queue_full).
 */
import type { Submission } from "../submission.ts";
import type { ScheduleConfig } from "../../config/schema.ts";
import type { Job, JobState } from "../job.ts";
import type { Admission } from "../ops.ts";
import type { Refusal } from "../refusal.ts";
import { firstFire, gate, loopDelayMs, nextFire, reachedMaxRuns, startPlan, timingOf, type Timing } from "./policy.ts";
import { fresh, reconcile } from "./reconcile.ts";
import type { Saved, ScheduleStore } from "./store.ts";

/**
 * The longest a timer runs before the wall clock is looked at again (a longer wait is re-armed
 * when it ends): timers follow the monotonic clock, so a wall clock stepped forward, or a VM
 * resumed after a suspend, delays a fire by at most this much.
 */
const MAX_TIMER_MS = 60_000;
/** No pool has announced the task yet (the first start, workers still booting): try again this soon. */
const NOT_READY_RETRY_MS = 250;
/** A loop whose run was refused waits at least this long, whatever its error_delay_s. */
const MIN_REFUSED_RETRY_MS = 1000;
/** A missed fire runs this long after the IO engine starts (through `due`, like any fire). */
const CATCH_UP_AFTER_MS = 1000;


export type SchedulerHooks = {
  /**
   * Journals and enqueues a job made by `schedule` (Ops.admit: the API's own checks). `due`:
   * the due time it fires for (null for a run asked through the API), which a cluster makes
   * the job's idempotency key so that the nodes' schedulers make one job per due time.
   */
  submit(body: Submission, schedule: string, due: number | null): Admission;
  /** The state of a job that is queued or running; undefined once it ended. O(1). */
  liveState(jobId: string): JobState | undefined;
  draining(): boolean;
  /** every_s on the clock's grid, not the schedule's start (a cluster's nodes agree on due times; policy.ts). */
  epochGrid?: boolean;
  /** A `schedule.*` event for the bus. */
  notify(kind: string, data: Record<string, unknown>): void;
  log(line: string): void;
};

type Clock =
  | { kind: "idle" }
  /** `at`: when the timer fires; `due`: the fire it stands for (later than due while retrying). */
  | { kind: "armed"; at: number; due: number; reason: FireReason; timer: ReturnType<typeof setTimeout> };

export type Entry = { saved: Saved; timing: Timing; clock: Clock };
export type FireReason = "schedule" | "catch_up" | "manual";
export type Fired =
  | { kind: "fired"; job: Job }
  | { kind: "skipped"; reason: "overlap"; job_id: string | null }
  | { kind: "done" }
  | { kind: "refused"; error: Refusal };

const iso = (ms: number) => new Date(ms).toISOString();

export class Scheduler {
  readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: ScheduleStore,
    private readonly hooks: SchedulerHooks,
  ) {}

  /** At the IO engine's start, after the journal's jobs are adopted (so in-flight runs are known). */
  start(config: readonly ScheduleConfig[]): void {
    const now = Date.now();
    const changes = reconcile(config, this.store.all(), now);
    this.store.atomically(() => {
      for (const saved of changes.save) this.store.save(saved);
      for (const name of changes.drop) this.store.delete(name);
    });
    for (const note of changes.notes) this.hooks.log(note);
    for (const saved of this.store.all()) this.add(saved, now, true);
  }

  inFlight(saved: Saved): boolean {
    return saved.last_job !== null && this.hooks.liveState(saved.last_job) !== undefined;
  }

  /** Creates or replaces an API schedule; what it has done so far is kept through a replace. */
  put(spec: ScheduleConfig): { created: boolean; entry: Entry } {
    const old = this.entries.get(spec.name);
    const now = Date.now();
    if (old) this.disarm(old);
    const saved = old ? { ...old.saved, spec, paused: spec.paused, updated_at: now } : fresh(spec, "api", now);
    return { created: !old, entry: this.add(saved, now, false) };
  }

  remove(entry: Entry): void {
    this.disarm(entry);
    this.entries.delete(entry.saved.name);
    this.store.delete(entry.saved.name);
  }

  /** POST /v1/schedules/NAME/run: a run now, paused or not; a loop goes on from its end. */
  runNow(entry: Entry): Fired {
    const fired = this.fire(entry, Date.now(), "manual");
    if (fired.kind === "fired" && entry.timing.kind === "loop") (this.disarm(entry), this.setNext(entry, null));
    return fired;
  }

  setPaused(entry: Entry, paused: boolean): void {
    entry.saved.paused = paused;
    entry.saved.updated_at = Date.now();
    this.plan(entry, Date.now(), false);
  }

  /** The engine saw a schedule's job end. Only the schedule's last job speaks for it. */
  jobEnded(job: Job): void {
    const entry = this.entries.get(job.schedule!);
    if (!entry || entry.saved.last_job !== job.id) return;
    const { saved } = entry;
    saved.last_outcome = job.state;
    saved.last_error = job.error ? `${job.error.type}: ${job.error.message}` : null;
    if (entry.timing.kind !== "loop" || saved.paused || entry.clock.kind === "armed") return this.store.save(saved);
    if (reachedMaxRuns(saved.spec, saved.runs)) return this.setNext(entry, null);
    this.arm(entry, Date.now() + loopDelayMs(saved.spec, job.state));
  }

  private add(saved: Saved, now: number, starting: boolean): Entry {
    const entry: Entry = { saved, timing: timingOf(saved.spec, this.hooks.epochGrid), clock: { kind: "idle" } };
    this.entries.set(saved.name, entry);
    this.plan(entry, now, starting);
    return entry;
  }

  /** Decides the next fire from scratch: at start (with catch-up), or when created, changed or resumed. */
  private plan(entry: Entry, now: number, starting: boolean): void {
    const { saved, timing } = entry;
    this.disarm(entry);
    if (saved.paused || reachedMaxRuns(saved.spec, saved.runs)) return this.setNext(entry, null);
    const inFlight = this.inFlight(saved);
    let next: number | null;
    if (starting) {
      const plan = startPlan(saved.spec, timing, { nextRunAt: saved.next_run_at, inFlight }, now);
      // Through `due`, like any fire: a refusal (workers not ready) is retried, not lost.
      if (plan.catchUp) return this.arm(entry, now + CATCH_UP_AFTER_MS, saved.next_run_at!, "catch_up");
      next = plan.next;
    } else {
      next = timing.kind === "loop" && inFlight ? null : firstFire(timing, now);
    }
    if (next === null || reachedMaxRuns(saved.spec, saved.runs)) this.setNext(entry, null);
    else this.arm(entry, next);
  }

  private arm(entry: Entry, at: number, due = at, reason: FireReason = "schedule"): void {
    this.disarm(entry);
    const timer = setTimeout(() => this.due(entry), Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())));
    entry.clock = { kind: "armed", at, due, reason, timer };
    if (entry.saved.next_run_at !== due) this.setNext(entry, due);
  }

  private disarm(entry: Entry): void {
    if (entry.clock.kind === "armed") clearTimeout(entry.clock.timer);
    entry.clock = { kind: "idle" };
  }

  private setNext(entry: Entry, at: number | null): void {
    entry.saved.next_run_at = at;
    this.store.save(entry.saved);
  }

  private due(entry: Entry): void {
    const clock = entry.clock;
    if (clock.kind !== "armed") return;
    const now = Date.now();
    // Early by the wall clock (it was stepped back) or a wait longer than one timer: not yet.
    if (now < clock.at) return this.arm(entry, clock.at, clock.due, clock.reason);
    entry.clock = { kind: "idle" };
    // Shutting down: the journal keeps this fire as due, so catch_up finds it at the next start.
    if (this.hooks.draining()) return;
    const fired = this.fire(entry, clock.due, clock.reason);
    if (fired.kind === "refused" && fired.error.code === "not_ready") return this.arm(entry, now + NOT_READY_RETRY_MS, clock.due, clock.reason);
    const { saved, timing } = entry;
    if (timing.kind === "loop") {
      // A loop goes on when its run ends; a refused run is tried again after error_delay_s.
      if (fired.kind === "refused") return this.arm(entry, now + Math.max(MIN_REFUSED_RETRY_MS, saved.spec.error_delay_s * 1000));
      // A run can end inside its own submission (no worker serves the task any more): its end
      // came before it was the schedule's last job, so it is taken up here.
      if (fired.kind === "fired" && this.hooks.liveState(fired.job.id) === undefined) return this.jobEnded(fired.job);
      return this.setNext(entry, null);
    }
    const next = fired.kind === "done" || reachedMaxRuns(saved.spec, saved.runs) ? null : nextFire(timing, Math.max(clock.due, now), clock.due);
    if (next === null) this.setNext(entry, null);
    else this.arm(entry, next);
  }

  /** A due run: gated, then submitted and journaled together with the schedule's row. */
  private fire(entry: Entry, due: number, reason: FireReason): Fired {
    const { saved } = entry;
    const decision = gate(saved.spec, saved.runs, this.inFlight(saved), reason === "manual");
    if (decision.kind === "done") return decision;
    if (decision.kind === "skip") {
      if (reason !== "manual") this.skipped(saved, due, "overlap", `its last run, job ${saved.last_job}, is still ${this.hooks.liveState(saved.last_job!)}`);
      return { kind: "skipped", reason: "overlap", job_id: saved.last_job };
    }
    const body: Submission = { task: saved.spec.task, ...(saved.spec.payload !== undefined ? { payload: saved.spec.payload } : {}) };
    const admitted = this.store.atomically(() => {
      const result = this.hooks.submit(body, saved.name, reason === "manual" ? null : due);
      if (result.ok) {
        const job = result.jobs[0]!;
        // The job may already have started, or ended (no worker serves its task any more).
        const error = job.error ? `${job.error.type}: ${job.error.message}` : null;
        Object.assign(saved, { runs: saved.runs + 1, last_run_at: job.created_at, last_job: job.id, last_outcome: job.state, last_error: error });
        this.store.save(saved);
      }
      return result;
    });
    if (!admitted.ok) {
      // A manual run's refusal goes back to its caller; a scheduled one's is recorded. A
      // not_ready one is tried again shortly (see `due`), so it is not counted as a skip.
      const { code, message } = admitted.error;
      if (reason !== "manual" && code !== "not_ready") this.skipped(saved, due, code, message, true);
      return { kind: "refused", error: admitted.error };
    }
    const job = admitted.jobs[0]!;
    this.hooks.notify("schedule.fired", { name: saved.name, job_id: job.id, reason, due_at: iso(due), late_ms: job.created_at - due });
    return { kind: "fired", job };
  }

  private skipped(saved: Saved, due: number, reason: string, message: string, refused = false): void {
    saved.skips++;
    if (refused) (saved.last_outcome = "refused"), (saved.last_error = `${reason}: ${message}`);
    this.store.save(saved);
    this.hooks.notify("schedule.skipped", { name: saved.name, reason, message, due_at: iso(due) });
  }
}
