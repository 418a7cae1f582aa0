/**
 * Schedule policy (SPEC §10), pure: when a schedule fires next, whether a due run starts,
 * how long a loop waits, and what a starting IO engine does with a schedule the journal kept.
 * No timers, no journal: the scheduler (scheduler.ts) is the thin shell around these.
 *
 * Times are epoch milliseconds.
 * - cron: croner's next occurrence strictly after a time (croner works in whole seconds).
 * - every_s: a fixed grid anchored at the first fire, so a late fire does not shift the
 *   ones after it; a fire that the grid passed while gaia was busy is not made up.
 * - loop: no clock; the next run follows the end of the last (loopDelayMs).
 */
import { Cron } from "croner";
import type { ScheduleConfig } from "../../config/schema.ts";
import type { JobState } from "../job.ts";

/**
 * `every.epoch`: the grid is the clock's (multiples of `ms` since the epoch) rather than the
 * schedule's start, so that the nodes of a cluster, each with its own scheduler, agree on
 * every due time (cluster-ops.ts makes one job per due time).
 */
export type Timing = { kind: "cron"; cron: Cron } | { kind: "every"; ms: number; epoch?: boolean } | { kind: "loop" };

export function timingOf(def: ScheduleConfig, epochGrid = false): Timing {
  if (def.cron !== undefined) return { kind: "cron", cron: new Cron(def.cron.trim(), { paused: true, timezone: def.timezone }) };
  // At least 1 ms: the grid's step must not round to zero.
  if (def.every_s !== undefined) return { kind: "every", ms: Math.max(1, Math.round(def.every_s * 1000)), ...(epochGrid ? { epoch: true } : {}) };
  return { kind: "loop" };
}

/**
 * The first fire strictly after `after`; `anchor` is a point of an every_s grid (a fire that
 * was due). Null when the schedule never fires again by the clock (a loop; a cron pattern
 * with no future date, such as a 30th of February).
 */
export function nextFire(timing: Timing, after: number, anchor: number): number | null {
  if (timing.kind === "cron") return timing.cron.nextRun(new Date(after))?.getTime() ?? null;
  if (timing.kind === "every") {
    if (anchor > after) return anchor;
    return anchor + (Math.floor((after - anchor) / timing.ms) + 1) * timing.ms;
  }
  return null;
}

/** The first fire of a schedule that starts now: created, resumed, or changed. */
export function firstFire(timing: Timing, now: number): number | null {
  if (timing.kind === "cron") return nextFire(timing, now, now);
  if (timing.kind === "every") return timing.epoch ? (Math.floor(now / timing.ms) + 1) * timing.ms : now + timing.ms;
  return now; // a loop runs at once
}

export type Gate = { kind: "fire" } | { kind: "skip"; reason: "overlap" } | { kind: "done" };

/**
 * Whether a due run starts. `inFlight`: the schedule's last job is still queued or running.
 * A manual run (POST /v1/schedules/NAME/run) ignores max_runs but not overlap. A loop never
 * overlaps itself, whatever `overlap` says: its next run is defined by the end of the last.
 */
export function gate(def: ScheduleConfig, runs: number, inFlight: boolean, manual: boolean): Gate {
  if (!manual && reachedMaxRuns(def, runs)) return { kind: "done" };
  if (inFlight && (def.overlap === "skip" || def.loop === true)) return { kind: "skip", reason: "overlap" };
  return { kind: "fire" };
}

/** max_runs bounds every kind of schedule; a schedule that reached it is done. */
export function reachedMaxRuns(def: ScheduleConfig, runs: number): boolean {
  return def.max_runs !== undefined && runs >= def.max_runs;
}

/** After a loop's run ends in `outcome`: milliseconds until the next run. */
export function loopDelayMs(def: ScheduleConfig, outcome: JobState): number {
  return (outcome === "succeeded" ? def.loop_delay_s : def.error_delay_s) * 1000;
}

/** What the journal kept about a schedule across a stop. */
export type Kept = { nextRunAt: number | null; inFlight: boolean };

export type StartPlan = {
  /** Run once now: `catch_up` is set and a fire came due while gaia was down. */
  catchUp: boolean;
  /** When to fire next; null: wait (a loop whose run is still in flight). */
  next: number | null;
};

/**
 * A starting IO engine and a schedule that is neither paused nor done. Missed cron and
 * every_s fires are dropped unless `catch_up`, which runs once however many were missed.
 * A loop picks up where it was: waiting for its run, or due at its kept time (at once if
 * that passed). An every_s grid keeps its phase across a restart.
 */
export function startPlan(def: ScheduleConfig, timing: Timing, kept: Kept, now: number): StartPlan {
  if (timing.kind === "loop") {
    if (kept.inFlight) return { catchUp: false, next: null };
    return { catchUp: false, next: Math.max(now, kept.nextRunAt ?? now) };
  }
  if (kept.nextRunAt === null) return { catchUp: false, next: firstFire(timing, now) };
  const missed = kept.nextRunAt <= now;
  return { catchUp: def.catch_up && missed, next: nextFire(timing, now, kept.nextRunAt) };
}
