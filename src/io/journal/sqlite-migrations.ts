/**
 * The SQLite journal's migrations (see migrations.ts). Version 1 is the schema that gaia
 * made before versions existed, table by table as journal.ts, events/store.ts,
 * schedules/store.ts and array-store.ts create it, copied here and frozen (a test compares
 * it with what those files make, so the two cannot drift apart unseen).
 *
 * Version 1 is written to also complete a journal of that time in place: every statement is
 * IF NOT EXISTS, the columns added since the first journal are added when missing, and an
 * arrays table of an older layout is dropped (arrays live for one run). So adopting a
 * journal that has no `schema_version` is applying version 1 to it, and loses nothing.
 */
import type { Database } from "bun:sqlite";
import type { Migration } from "./migrations.ts";

/** The text of version 1, as those files wrote it (byte for byte: sqlite_master keeps it). */
const V1_JOBS = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, task TEXT NOT NULL, pool TEXT NOT NULL, state TEXT NOT NULL,
  payload TEXT, arrays TEXT NOT NULL, result TEXT, result_arrays TEXT NOT NULL, error TEXT,
  attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, session_id TEXT,
  idempotency_key TEXT, created_at INTEGER NOT NULL, started_at INTEGER,
  finished_at INTEGER, not_before INTEGER NOT NULL, worker TEXT, execution_ms REAL,
  usage TEXT, progress TEXT, timeout_s REAL NOT NULL, retries TEXT NOT NULL, schedule TEXT,
  priority INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency ON jobs(idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs(finished_at) WHERE finished_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS pool_tasks (pool TEXT PRIMARY KEY, tasks TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS job_logs (job_id TEXT NOT NULL, attempt INTEGER NOT NULL, at TEXT NOT NULL, level TEXT NOT NULL, line TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS job_logs_job ON job_logs(job_id, attempt);
`;

const V1_EVENTS = `
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, job_id TEXT, session_id TEXT, frame TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const V1_SCHEDULES = `
CREATE TABLE IF NOT EXISTS schedules (
  name TEXT PRIMARY KEY, source TEXT NOT NULL, spec TEXT NOT NULL, paused INTEGER NOT NULL,
  runs INTEGER NOT NULL, skips INTEGER NOT NULL, next_run_at INTEGER, last_run_at INTEGER,
  last_job TEXT, last_outcome TEXT, last_error TEXT, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
`;

const V1_ARRAYS = `
CREATE TABLE IF NOT EXISTS arrays (
  name TEXT PRIMARY KEY, instance TEXT NOT NULL, dtype TEXT NOT NULL, shape TEXT NOT NULL,
  byte_length INTEGER NOT NULL, state TEXT NOT NULL, origin TEXT NOT NULL, job TEXT,
  created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS arrays_job ON arrays(job) WHERE job IS NOT NULL;
`;

const columnsOf = (db: Database, table: string) => (db.query(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);

function addColumnIfMissing(db: Database, table: string, column: string, type: string): void {
  if (!columnsOf(db, table).includes(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}

function v1(db: Database): void {
  db.exec(V1_JOBS);
  // Journals older than schedules and priorities lack these two columns.
  addColumnIfMissing(db, "jobs", "schedule", "TEXT");
  addColumnIfMissing(db, "jobs", "priority", "INTEGER NOT NULL DEFAULT 0");
  db.exec("CREATE INDEX IF NOT EXISTS jobs_schedule ON jobs(schedule, id) WHERE schedule IS NOT NULL;");
  db.exec(V1_EVENTS);
  db.exec(V1_SCHEDULES);
  const arrays = columnsOf(db, "arrays");
  if (arrays.length > 0 && !arrays.includes("origin")) db.exec(`DROP TABLE arrays`);
  db.exec(V1_ARRAYS);
}

export const SQLITE_MIGRATIONS: readonly Migration<Database>[] = [{ version: 1, name: "the journal as gaia made it before schema versions", up: v1 }];
