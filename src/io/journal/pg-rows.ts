/**
 * A job as a row of the PostgreSQL journal and back: the same columns and the same JSON
 * text as the SQLite journal (journal.ts), plus the numbers Bun.sql returns as text (int8,
 * and counts) made numbers again. Epoch ms stay far below 2^53, so Number is exact.
 */
import type { Job } from "../job.ts";

export const COLUMNS = [
  "id", "task", "pool", "state", "payload", "arrays", "result", "result_arrays", "error",
  "attempts", "max_attempts", "session_id", "idempotency_key", "created_at", "started_at",
  "finished_at", "not_before", "worker", "execution_ms", "usage", "progress", "timeout_s", "retries", "schedule", "priority",
] as const;
export type Column = (typeof COLUMNS)[number];

const JSON_COLUMNS = new Set<string>(["payload", "arrays", "result", "result_arrays", "error", "worker", "usage", "progress", "retries"]);
const BIGINT_COLUMNS = new Set<string>(["created_at", "started_at", "finished_at", "not_before"]);

/** What a job's life changes; the rest is fixed at submission (as journal.ts's MUTABLE). */
export const MUTABLE: readonly Column[] = COLUMNS.filter(
  (c) => !["id", "task", "pool", "payload", "arrays", "created_at", "session_id", "idempotency_key", "timeout_s", "retries", "max_attempts", "schedule", "priority"].includes(c),
);

export type PgRow = Record<string, string | number | null>;

export function toPgRow(job: Job, columns: readonly Column[] = COLUMNS): PgRow {
  const row: PgRow = {};
  for (const c of columns) {
    const v = (job as Record<string, unknown>)[c];
    row[c] = JSON_COLUMNS.has(c) ? (v === null || v === undefined ? null : JSON.stringify(v)) : ((v ?? null) as string | number | null);
  }
  return row;
}

export function fromPgRow(row: Record<string, unknown>): Job {
  const job: Record<string, unknown> = {};
  for (const c of COLUMNS) {
    const v = row[c];
    if (JSON_COLUMNS.has(c)) job[c] = typeof v === "string" ? JSON.parse(v) : v;
    else if (BIGINT_COLUMNS.has(c)) job[c] = v === null ? null : Number(v);
    else job[c] = v;
  }
  return job as Job;
}
