/**
 * The PostgreSQL journal's migrations (see migrations.ts). Version 1 holds the jobs as the
 * SQLite journal does, with what a cluster adds: the node that runs a job (the fence of
 * `transition`), node leases, and an index for taking queued jobs in priority-then-age
 * order. Ids are `COLLATE "C"`: byte order, so that UUIDv7 order is submission order
 * whatever the server's locale (and comparisons are as SQLite's).
 *
 * Times are epoch ms in BIGINT (Bun.sql returns int8 as text; pg-rows.ts converts); JSON is
 * TEXT as in SQLite, so a payload comes back byte for byte (jsonb would reorder its keys).
 */
import type { SQL } from "bun";
import type { Migration } from "./migrations.ts";

const V1 = `
CREATE TABLE jobs (
  id TEXT COLLATE "C" PRIMARY KEY, task TEXT NOT NULL, pool TEXT NOT NULL, state TEXT NOT NULL,
  payload TEXT, arrays TEXT NOT NULL, result TEXT, result_arrays TEXT NOT NULL, error TEXT,
  attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, session_id TEXT,
  idempotency_key TEXT, created_at BIGINT NOT NULL, started_at BIGINT,
  finished_at BIGINT, not_before BIGINT NOT NULL, worker TEXT, execution_ms DOUBLE PRECISION,
  usage TEXT, progress TEXT, timeout_s DOUBLE PRECISION NOT NULL, retries TEXT NOT NULL, schedule TEXT,
  priority INTEGER NOT NULL DEFAULT 0, node TEXT);
CREATE UNIQUE INDEX jobs_idempotency ON jobs(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_state ON jobs(state);
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX jobs_schedule ON jobs(schedule, id) WHERE schedule IS NOT NULL;
CREATE INDEX jobs_claim ON jobs(pool, priority DESC, id) WHERE state = 'queued';
CREATE INDEX jobs_node ON jobs(node) WHERE state = 'running';
CREATE TABLE pool_tasks (pool TEXT PRIMARY KEY, tasks TEXT NOT NULL);
CREATE TABLE job_logs (job_id TEXT COLLATE "C" NOT NULL, attempt INTEGER NOT NULL, at TEXT NOT NULL, level TEXT NOT NULL, line TEXT NOT NULL, seq BIGSERIAL PRIMARY KEY);
CREATE INDEX job_logs_job ON job_logs(job_id, attempt);
CREATE TABLE nodes (name TEXT PRIMARY KEY, lease_until BIGINT NOT NULL, renewed_at BIGINT NOT NULL, info TEXT NOT NULL);
`;

/** Schedules, as in SQLite, and the due time each last fired for (pg-schedules.ts). */
const V2 = `
CREATE TABLE schedules (
  name TEXT PRIMARY KEY, source TEXT NOT NULL, spec TEXT NOT NULL, paused BOOLEAN NOT NULL,
  runs INTEGER NOT NULL, skips INTEGER NOT NULL, next_run_at BIGINT, last_run_at BIGINT,
  last_job TEXT, last_outcome TEXT, last_error TEXT, created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL, last_due_at BIGINT);
`;

/**
 * Arrays' books (SPEC §6, §13): an array lives in the shared memory of one node, so its row
 * names that node, and a job that names arrays is pinned to it (`pin`, set at insert), for
 * only that node's claims to take.
 */
const V3 = `
CREATE TABLE arrays (
  name TEXT PRIMARY KEY, node TEXT NOT NULL, instance TEXT NOT NULL, dtype TEXT NOT NULL, shape TEXT NOT NULL,
  byte_length BIGINT NOT NULL, state TEXT NOT NULL, origin TEXT NOT NULL, job TEXT,
  created_at BIGINT NOT NULL, last_used_at BIGINT NOT NULL);
CREATE INDEX arrays_job ON arrays(job) WHERE job IS NOT NULL;
CREATE INDEX arrays_node ON arrays(node);
ALTER TABLE jobs ADD COLUMN pin TEXT;
`;

/**
 * A cancel asked at one node for a job another node runs (SPEC §13): the asking node stamps
 * `cancel_at` and notifies; the owner's poll finds the stamp should the notification be lost.
 */
const V4 = `
ALTER TABLE jobs ADD COLUMN cancel_at BIGINT;
CREATE INDEX jobs_cancel ON jobs(node) WHERE cancel_at IS NOT NULL;
`;

export const PG_MIGRATIONS: readonly Migration<SQL>[] = [
  { version: 1, name: "jobs, pool tasks, job logs and node leases", up: async (tx) => void (await tx.unsafe(V1)) },
  { version: 2, name: "schedules, fired once per due time", up: async (tx) => void (await tx.unsafe(V2)) },
  { version: 3, name: "arrays' books, and jobs pinned to the node of their arrays", up: async (tx) => void (await tx.unsafe(V3)) },
  { version: 4, name: "cancels asked at one node for a job another runs", up: async (tx) => void (await tx.unsafe(V4)) },
];
