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
import { IdempotencyConflictError, type JobJournal } from "./interface.ts";
import type { Migrated } from "./migrations.ts";
import { migrateSqlite } from "./sqlite-migrate.ts";

export class SqliteJobJournal implements JobJournal {
  readonly backend = "sqlite" as const;

  private constructor(
    readonly journal: Journal,
    readonly migrated: Migrated,
  ) {}

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
    this.journal.close();
  }
}
