/**
 * A job as a row of the journal and back, the same for both backends (journal.ts on SQLite,
 * journal/pg-rows.ts on PostgreSQL): one column per field, the structured ones as JSON text.
 */
import { JOB_STATES, type Job, type JobState } from "./job.ts";

export const JOB_COLUMNS = [
  "id", "task", "pool", "state", "payload", "arrays", "result", "result_arrays", "error",
  "attempts", "max_attempts", "session_id", "idempotency_key", "created_at", "started_at",
  "finished_at", "not_before", "worker", "execution_ms", "usage", "progress", "timeout_s", "retries", "schedule", "priority",
] as const;
export type JobColumn = (typeof JOB_COLUMNS)[number];

const JSON_COLUMNS = new Set<string>(["payload", "arrays", "result", "result_arrays", "error", "worker", "usage", "progress", "retries"]);

/** What a job's life changes; the rest is fixed at submission. */
export const MUTABLE_COLUMNS: readonly JobColumn[] = JOB_COLUMNS.filter(
  (c) => !["id", "task", "pool", "payload", "arrays", "created_at", "session_id", "idempotency_key", "timeout_s", "retries", "max_attempts", "schedule", "priority"].includes(c),
);

/** A job's value for a column as it is stored: JSON columns as text, nothing as null. */
export function columnValue(job: Job, column: JobColumn): string | number | null {
  const v = (job as Record<string, unknown>)[column];
  if (JSON_COLUMNS.has(column)) return v === null || v === undefined ? null : JSON.stringify(v);
  return (v ?? null) as string | number | null;
}

const NO_COLUMNS: ReadonlySet<string> = new Set();

/** A stored row back to a job; the `numeric` columns, where a driver gives them as text, made numbers. */
export function jobFromRow(row: Record<string, unknown>, numeric: ReadonlySet<string> = NO_COLUMNS): Job {
  const job: Record<string, unknown> = {};
  for (const c of JOB_COLUMNS) {
    const v = row[c];
    if (JSON_COLUMNS.has(c)) job[c] = typeof v === "string" ? JSON.parse(v) : v;
    else if (numeric.has(c)) job[c] = v === null ? null : Number(v);
    else job[c] = v;
  }
  return job as Job;
}

/** Every state at 0: what a count by state starts from (a state no job is in has no row). */
export function zeroCounts(): Record<JobState, number> {
  return Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
}
