/**
 * A schedule as the API shows it: its definition (the keys PUT takes, unset ones as null),
 * where it stands, and what it has done. Times are ISO 8601.
 *
 * `state`: `scheduled` (a next run is set), `running` (a loop waiting for its run to end),
 * `paused`, or `done` (max_runs reached, or a cron pattern with no future date).
 * `last_outcome`: the last job's state (live while it is queued or running), or `refused`
 * when the last due run could not make a job (`last_error` says why).
 */
import type { JobState } from "../job.ts";
import type { Entry } from "./scheduler.ts";
import type { ScheduleView } from "../../api/shapes/schedules.ts";

export type { ScheduleView };

/** A time as ISO 8601; null for none, and for one no Date can hold (never a throw in a view). */
const iso = (ms: number | null) => (ms === null || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15 ? null : new Date(ms).toISOString());

/** Typed with the API's schema (src/api/shapes/schedules.ts), which the document is generated from. */
export function scheduleView(entry: Entry, liveState: (jobId: string) => JobState | undefined): ScheduleView {
  const { saved, clock } = entry;
  const { spec } = saved;
  const live = saved.last_job !== null ? liveState(saved.last_job) : undefined;
  const state = saved.paused ? "paused" : clock.kind === "armed" ? "scheduled" : live ? "running" : "done";
  return {
    name: saved.name,
    source: saved.source,
    task: spec.task,
    payload: spec.payload ?? null,
    cron: spec.cron ?? null,
    timezone: spec.timezone ?? null,
    every_s: spec.every_s ?? null,
    loop: spec.loop ?? false,
    loop_delay_s: spec.loop_delay_s,
    error_delay_s: spec.error_delay_s,
    max_runs: spec.max_runs ?? null,
    overlap: spec.overlap,
    catch_up: spec.catch_up,
    paused: saved.paused,
    state,
    runs: saved.runs,
    skips: saved.skips,
    next_run_at: iso(saved.paused ? null : saved.next_run_at),
    last_run_at: iso(saved.last_run_at),
    last_job: saved.last_job,
    last_outcome: live ?? saved.last_outcome,
    last_error: saved.last_error,
    created_at: iso(saved.created_at),
    updated_at: iso(saved.updated_at),
  };
}
