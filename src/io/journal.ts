/**
 * The journal: every job in SQLite (bun:sqlite, WAL).
 *
 * Durability: `insert` commits before it returns, so the API answers 202 only for a job that
 * is on disk. WAL with synchronous=NORMAL survives `kill -9` of any process (the commit is
 * in the WAL file); only a power cut can lose the last commits. State changes after that
 * are batched: `save` marks a job dirty, and one transaction writes every dirty job. A save
 * that someone waits on (`?wait=`, a cancel) is written at the next event-loop turn and
 * answered after its commit; every other save is written within LAZY_FLUSH_MS, so a short
 * job's start and end usually share one write and a batch's results share a transaction.
 * Reads of a job (`get`, `list`) write what is pending first, so nobody is told of a state
 * that is not on disk. A state lost to a crash within that window is one the journal never
 * showed: the job is still `queued` or `running` there, a worker that still runs it claims it
 * in its hello (see WorkerLink.reclaim), and otherwise it runs again (at least once).
 *
 * The engine is the journal's only user: `locking_mode = EXCLUSIVE` takes SQLite's file
 * locks once instead of around every transaction (measured: 18 fcntl calls per job before).
 * `wal_autocheckpoint = 10000` pages (~40 MB of WAL) checkpoints, and so fsyncs, a tenth as
 * often as the default under a stream of small transactions.
 */
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Job, JobState } from "./job.ts";
import { columnValue, JOB_COLUMNS, type JobColumn, jobFromRow, MUTABLE_COLUMNS, zeroCounts } from "./job-row.ts";
import type { ListFilter } from "./submission.ts";

const SCHEMA = `
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

const COLUMNS = JOB_COLUMNS;
const MUTABLE = MUTABLE_COLUMNS;

const LAZY_FLUSH_MS = 5;

const toRow = (job: Job, columns: readonly JobColumn[]) => columns.map((c) => columnValue(job, c));

/** A journal written by an older gaia lacks columns added since; SQLite adds them in place. */
function addColumnIfMissing(db: Database, table: string, column: string, type: string): void {
  const columns = db.query(`PRAGMA table_info(${table})`).all() as { name: string }[];
  if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}

export class Journal {
  /** Shared with the array store, whose table lives in the same file (see array-store.ts). */
  readonly db: Database;
  private readonly insertStmt: Statement;
  private readonly updateStmt: Statement;
  private dirty = new Map<string, Job>();
  private callbacks: (() => void)[] = [];
  /** Others whose rows ride in each commit (the events table): written inside, told after. */
  private readonly participants: { write(): void; committed(): void }[] = [];
  private flush_: { kind: "none" } | { kind: "soon" } | { kind: "lazy"; timer: ReturnType<typeof setTimeout> } = { kind: "none" };

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, "journal.sqlite"), { create: true, strict: true });
    this.db.exec("PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 10000;");
    this.db.exec(SCHEMA);
    addColumnIfMissing(this.db, "jobs", "schedule", "TEXT");
    addColumnIfMissing(this.db, "jobs", "priority", "INTEGER NOT NULL DEFAULT 0");
    this.db.exec("CREATE INDEX IF NOT EXISTS jobs_schedule ON jobs(schedule, id) WHERE schedule IS NOT NULL;");
    this.insertStmt = this.db.prepare(`INSERT INTO jobs (${COLUMNS.join(",")}) VALUES (${COLUMNS.map(() => "?").join(",")})`);
    this.updateStmt = this.db.prepare(`UPDATE jobs SET ${MUTABLE.map((c) => `${c} = ?`).join(", ")} WHERE id = ?`);
  }

  /** Commits the jobs before returning (all or none). */
  insert(jobs: Job[]): void {
    this.db.transaction(() => {
      for (const job of jobs) this.insertStmt.run(...toRow(job, COLUMNS));
    })();
  }

  /**
   * Marks a job's new state for a batched commit; `then` runs after that commit. `urgent`
   * saves (someone waits for this state) commit at the next turn, others within
   * LAZY_FLUSH_MS.
   */
  save(job: Job, urgent: boolean, then?: () => void): void {
    this.dirty.set(job.id, job);
    if (then) this.callbacks.push(then);
    this.requestFlush(urgent || then !== undefined);
  }

  /** Runs `then` after the next commit (one is planned within LAZY_FLUSH_MS if none is). */
  afterCommit(then: () => void): void {
    this.callbacks.push(then);
    this.requestFlush(false);
  }

  /** Plans a commit: at the next turn when `urgent`, else within LAZY_FLUSH_MS. */
  requestFlush(urgent: boolean): void {
    if (urgent) {
      if (this.flush_.kind === "lazy") clearTimeout(this.flush_.timer);
      if (this.flush_.kind !== "soon") {
        this.flush_ = { kind: "soon" };
        setImmediate(() => this.flush());
      }
    } else if (this.flush_.kind === "none") {
      this.flush_ = { kind: "lazy", timer: setTimeout(() => this.flush(), LAZY_FLUSH_MS) };
    }
  }

  /** `write` runs inside every commit, `committed` after it. */
  addParticipant(participant: { write(): void; committed(): void }): void {
    this.participants.push(participant);
  }

  flush(): void {
    if (this.flush_.kind === "lazy") clearTimeout(this.flush_.timer);
    this.flush_ = { kind: "none" };
    const jobs = [...this.dirty.values()];
    this.dirty.clear();
    this.db.transaction(() => {
      for (const job of jobs) this.updateStmt.run(...toRow(job, MUTABLE), job.id);
      for (const p of this.participants) p.write();
    })();
    for (const p of this.participants) p.committed();
    const callbacks = this.callbacks;
    this.callbacks = [];
    for (const cb of callbacks) cb();
  }

  /** Writes what is pending for this job now, so that what is read or told is on disk. */
  flushJob(id: string): void {
    if (this.dirty.has(id)) this.flush();
  }

  /** Deletes a job's row (a cluster node released it: the shared journal holds it now). */
  remove(id: string): void {
    this.dirty.delete(id);
    this.db.query(`DELETE FROM jobs WHERE id = ?`).run(id);
  }

  get(id: string): Job | null {
    this.flushJob(id);
    const row = this.db.query(`SELECT * FROM jobs WHERE id = ?`).get(id) as Record<string, unknown> | null;
    return row ? jobFromRow(row) : null;
  }

  byIdempotencyKey(key: string): Job | null {
    if (this.dirty.size > 0) this.flush();
    const row = this.db.query(`SELECT * FROM jobs WHERE idempotency_key = ?`).get(key) as Record<string, unknown> | null;
    return row ? jobFromRow(row) : null;
  }

  /** Queued and running jobs, oldest first: what a starting IO engine must take over. */
  active(): Job[] {
    const rows = this.db.query(`SELECT * FROM jobs WHERE state IN ('queued', 'running') ORDER BY id`).all() as Record<string, unknown>[];
    return rows.map((row) => jobFromRow(row));
  }

  list(filter: ListFilter): Job[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.state) (where.push("state = ?"), args.push(filter.state));
    if (filter.task) (where.push("task = ?"), args.push(filter.task));
    if (filter.schedule) (where.push("schedule = ?"), args.push(filter.schedule));
    // Ids are UUIDv7: their order is the order of submission.
    if (filter.after) (where.push(filter.order === "desc" ? "id < ?" : "id > ?"), args.push(filter.after));
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id ${filter.order === "desc" ? "DESC" : "ASC"} LIMIT ?`;
    return (this.db.query(sql).all(...args, filter.limit) as Record<string, unknown>[]).map((row) => jobFromRow(row));
  }

  counts(): Record<JobState, number> {
    const counts = zeroCounts();
    for (const row of this.db.query(`SELECT state, COUNT(*) AS n FROM jobs GROUP BY state`).all() as { state: JobState; n: number }[]) {
      counts[row.state] = row.n;
    }
    return counts;
  }

  /** Deletes terminal jobs finished before `before` (epoch ms); returns how many per state. */
  purge(before: number): Partial<Record<JobState, number>> {
    const rows = this.db
      .query(`SELECT state, COUNT(*) AS n FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ? GROUP BY state`)
      .all(before) as { state: JobState; n: number }[];
    // A job's log lines go with it (job-logs.ts keeps them in this file).
    this.db.query(`DELETE FROM job_logs WHERE job_id IN (SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?)`).run(before);
    this.db.query(`DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?`).run(before);
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  savePoolTasks(pool: string, tasks: string[]): void {
    this.flush();
    this.db.query(`INSERT INTO pool_tasks (pool, tasks) VALUES (?, ?) ON CONFLICT(pool) DO UPDATE SET tasks = excluded.tasks`).run(pool, JSON.stringify(tasks));
  }

  poolTasks(): Map<string, string[]> {
    const rows = this.db.query(`SELECT pool, tasks FROM pool_tasks`).all() as { pool: string; tasks: string }[];
    return new Map(rows.map((r) => [r.pool, JSON.parse(r.tasks) as string[]]));
  }

  /** The database, for the schedule store: one connection holds the EXCLUSIVE lock. */
  get database(): Database {
    return this.db;
  }

  close(): void {
    this.flush();
    // A statement left unfinalized keeps the connection, and so the EXCLUSIVE lock, open past
    // close() (sqlite3_close_v2): finalized, the file can be opened again in this process.
    this.insertStmt.finalize();
    this.updateStmt.finalize();
    this.db.close();
  }
}
