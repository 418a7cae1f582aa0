/** Job records for the journal's tests: a queued job as the engine would insert it. */
import type { Job } from "../../src/io/job.ts";

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
