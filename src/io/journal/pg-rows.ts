/**
 * A job as a row of the PostgreSQL journal and back: the same columns and the same JSON
 * text as the SQLite journal (job-row.ts), plus the numbers Bun.sql returns as text (int8,
 * and counts) made numbers again. Epoch ms stay far below 2^53, so Number is exact.
 */
import type { Job } from "../job.ts";
import { columnValue, JOB_COLUMNS, type JobColumn, jobFromRow, MUTABLE_COLUMNS } from "../job-row.ts";

export const COLUMNS = JOB_COLUMNS;
export type Column = JobColumn;
export const MUTABLE = MUTABLE_COLUMNS;
const BIGINT_COLUMNS = new Set<string>(["created_at", "started_at", "finished_at", "not_before"]);

export type PgRow = Record<string, string | number | null>;

export function toPgRow(job: Job, columns: readonly Column[] = COLUMNS): PgRow {
  return Object.fromEntries(columns.map((c) => [c, columnValue(job, c)]));
}

/** The row's job, with the node that holds it (SPEC §13: `node` on every job). */
export function fromPgRow(row: Record<string, unknown>): Job {
  const job = jobFromRow(row, BIGINT_COLUMNS);
  if (typeof row.node === "string") job.node = row.node;
  return job;
}
