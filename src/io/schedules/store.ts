/**
 * Schedules in the journal: a `schedules` table beside `jobs`, in the same SQLite database
 * (and on the same connection: the journal holds SQLite's EXCLUSIVE lock, see journal.ts).
 *
 * A row is a schedule's definition (`spec`, as validated) and what it has done: runs,
 * skips, last and next run, last job and its outcome. Rows are few and change a few times
 * per fire, so each change is its own commit; a fire commits its job and its row together
 * (see Scheduler.fire), so a crash cannot leave a job that its schedule does not know.
 */
import type { Database, Statement } from "bun:sqlite";
import type { ScheduleConfig } from "../../config/schema.ts";

export type Source = "config" | "api";

export type Saved = {
  name: string;
  source: Source;
  spec: ScheduleConfig;
  /** Effective: the spec's `paused` when it was applied, then changed by pause and resume. */
  paused: boolean;
  runs: number;
  skips: number;
  next_run_at: number | null;
  last_run_at: number | null;
  last_job: string | null;
  /** The last job's state as last seen: `queued` when it was made, terminal once it ended; `refused` when no job could be made. */
  last_outcome: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS schedules (
  name TEXT PRIMARY KEY, source TEXT NOT NULL, spec TEXT NOT NULL, paused INTEGER NOT NULL,
  runs INTEGER NOT NULL, skips INTEGER NOT NULL, next_run_at INTEGER, last_run_at INTEGER,
  last_job TEXT, last_outcome TEXT, last_error TEXT, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
`;

const COLUMNS = [
  "name", "source", "spec", "paused", "runs", "skips", "next_run_at", "last_run_at",
  "last_job", "last_outcome", "last_error", "created_at", "updated_at",
] as const;

type Row = Record<(typeof COLUMNS)[number], string | number | null>;

export class ScheduleStore {
  private readonly upsert: Statement;
  private readonly remove: Statement;

  constructor(private readonly db: Database) {
    db.exec(SCHEMA);
    const updates = COLUMNS.filter((c) => c !== "name").map((c) => `${c} = excluded.${c}`);
    this.upsert = db.prepare(`INSERT INTO schedules (${COLUMNS.join(",")}) VALUES (${COLUMNS.map(() => "?").join(",")}) ON CONFLICT(name) DO UPDATE SET ${updates.join(", ")}`);
    this.remove = db.prepare(`DELETE FROM schedules WHERE name = ?`);
  }

  all(): Saved[] {
    return (this.db.query(`SELECT * FROM schedules ORDER BY name`).all() as Row[]).map(fromRow);
  }

  save(saved: Saved): void {
    this.upsert.run(...COLUMNS.map((c) => toColumn(saved, c)));
  }

  delete(name: string): void {
    this.remove.run(name);
  }

  /** Finalizes the statements, so that closing the database releases the file (see Journal.close). */
  close(): void {
    this.upsert.finalize();
    this.remove.finalize();
  }

  /** Runs `fn` in one transaction (nested ones, such as the journal's insert, become savepoints). */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}

function toColumn(saved: Saved, column: (typeof COLUMNS)[number]): string | number | null {
  if (column === "spec") return JSON.stringify(saved.spec);
  if (column === "paused") return saved.paused ? 1 : 0;
  return saved[column];
}

function fromRow(row: Row): Saved {
  return {
    name: row.name as string,
    source: row.source as Source,
    spec: JSON.parse(row.spec as string) as ScheduleConfig,
    paused: row.paused === 1,
    runs: row.runs as number,
    skips: row.skips as number,
    next_run_at: row.next_run_at as number | null,
    last_run_at: row.last_run_at as number | null,
    last_job: row.last_job as string | null,
    last_outcome: row.last_outcome as string | null,
    last_error: row.last_error as string | null,
    created_at: row.created_at as number,
    updated_at: row.updated_at as number,
  };
}
