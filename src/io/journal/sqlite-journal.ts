/**
 * The SQLite journal (journal.ts) behind the one journal interface (interface.ts), for the
 * code and tests that speak to either backend. It adds nothing to the journal the IO engine
 * uses today: opening first brings the file to this gaia's schema version (sqlite-migrate.ts),
 * then the Journal class opens it as it always did.
 */
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Job, JobState } from "../job.ts";
import { Journal } from "../journal.ts";
import type { ListFilter } from "../submission.ts";
import { JobLogs } from "../job-logs.ts";
import { ScheduleStore } from "../schedules/store.ts";
import { IdempotencyConflictError, type JobJournal, type LogBook, type ScheduleBook } from "./interface.ts";
import type { Migrated } from "./migrations.ts";
import { migrateSqlite } from "./sqlite-migrate.ts";

export class SqliteJobJournal implements JobJournal {
  readonly backend = "sqlite" as const;

  readonly schedules: ScheduleBook;
  readonly logs: LogBook;
  private readonly scheduleStore: ScheduleStore;
  private readonly jobLogs: JobLogs;

  private constructor(
    readonly journal: Journal,
    readonly migrated: Migrated,
  ) {
    const store = (this.scheduleStore = new ScheduleStore(journal.database));
    const logs = (this.jobLogs = new JobLogs(journal.db));
    this.schedules = {
      all: async () => store.all(),
      save: async (saved) => store.save(saved),
      delete: async (name) => store.delete(name),
    };
    this.logs = { add: async (log) => logs.add(log), of: async (jobId) => logs.of(jobId) };
  }

  static open(dataDir: string): SqliteJobJournal {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, "journal.sqlite");
    // Its own connection, closed before the Journal takes the file's EXCLUSIVE lock.
    const db = new Database(file, { create: true, strict: true });
    let migrated: Migrated;
    try {
      migrated = migrateSqlite(db, file);
    } finally {
      db.close();
    }
    return new SqliteJobJournal(new Journal(dataDir), migrated);
  }

  async insert(jobs: Job[]): Promise<void> {
    try {
      this.journal.insert(jobs);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e.code === "SQLITE_CONSTRAINT_UNIQUE" && e.message?.includes("jobs.idempotency_key")) {
        // The batch rolled back: the key that is taken is one a stored job holds (or one the batch named twice).
        throw new IdempotencyConflictError(jobs.find((j) => j.idempotency_key !== null && this.journal.byIdempotencyKey(j.idempotency_key))?.idempotency_key ?? null);
      }
      throw err;
    }
  }

  async get(id: string): Promise<Job | null> {
    return this.journal.get(id);
  }

  async byIdempotencyKey(key: string): Promise<Job | null> {
    return this.journal.byIdempotencyKey(key);
  }

  async list(filter: ListFilter): Promise<Job[]> {
    return this.journal.list(filter);
  }

  async counts(): Promise<Record<JobState, number>> {
    return this.journal.counts();
  }

  async purge(before: number): Promise<Partial<Record<JobState, number>>> {
    return this.journal.purge(before);
  }

  async savePoolTasks(pool: string, tasks: string[]): Promise<void> {
    this.journal.savePoolTasks(pool, tasks);
  }

  async poolTasks(): Promise<Map<string, string[]>> {
    return this.journal.poolTasks();
  }

  async close(): Promise<void> {
    this.scheduleStore.close();
    this.jobLogs.close();
    this.journal.close();
  }
}
