/** Records for the journal's tests: a queued job as the engine would insert it, a schedule's row. */
import type { Job } from "../../src/io/job.ts";
import type { Saved } from "../../src/io/schedules/store.ts";

let clock = 1_700_000_000_000;

/** A queued job; ids are UUIDv7, so later calls sort after earlier ones (submission order). */
export function makeJob(over: Partial<Job> = {}): Job {
  clock += 1;
  return {
    id: Bun.randomUUIDv7(),
    task: "echo",
    pool: "default",
    state: "queued",
    payload: { hello: "world", n: [1, 2, 3] },
    arrays: {},
    result: null,
    result_arrays: {},
    error: null,
    attempts: 0,
    max_attempts: 4,
    priority: 0,
    session_id: null,
    idempotency_key: null,
    created_at: clock,
    started_at: null,
    finished_at: null,
    not_before: 0,
    worker: null,
    execution_ms: null,
    usage: null,
    progress: null,
    timeout_s: 300,
    retries: { max: 3, on: ["worker_lost"], backoff_s: 1, factor: 2, max_backoff_s: 60 },
    schedule: null,
    ...over,
  };
}

/** A schedule's row as the scheduler saves it: `nightly`, every minute, never run. */
export function makeSaved(over: Partial<Saved> = {}): Saved {
  return {
    name: "nightly",
    source: "config",
    spec: { name: "nightly", task: "echo", every_s: 60, loop_delay_s: 0, error_delay_s: 10, overlap: "skip", paused: false, catch_up: false, payload: { a: 1 } } as Saved["spec"],
    paused: false,
    runs: 0,
    skips: 0,
    next_run_at: 1_000,
    last_run_at: null,
    last_job: null,
    last_outcome: null,
    last_error: null,
    created_at: 1,
    updated_at: 1,
    ...over,
  };
}
