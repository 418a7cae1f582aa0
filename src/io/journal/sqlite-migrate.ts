/**
 * Applies the SQLite journal's migrations at open (plan in migrations.ts). One
 * `BEGIN IMMEDIATE` transaction holds the write lock from reading the version to recording
 * the last step, so a crash mid-upgrade leaves the journal as it was (SQLite's DDL is
 * transactional) and two openers cannot both upgrade.
 */
import type { Database } from "bun:sqlite";
import { planMigrations, SchemaTooNewError, type Migrated, type Migration } from "./migrations.ts";
import { SQLITE_MIGRATIONS } from "./sqlite-migrations.ts";

const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`;

/** The version recorded; 0 for a new file and for a journal made before versions (adopted by step 1). */
export function sqliteVersion(db: Database): number {
  const table = db.query(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).get();
  if (!table) return 0;
  return (db.query(`SELECT MAX(version) AS v FROM schema_version`).get() as { v: number | null }).v ?? 0;
}

export function migrateSqlite(db: Database, where: string, migrations: readonly Migration<Database>[] = SQLITE_MIGRATIONS): Migrated {
  db.exec("BEGIN IMMEDIATE");
  try {
    const plan = planMigrations(sqliteVersion(db), migrations);
    if (plan.kind === "too_new") throw new SchemaTooNewError("sqlite", plan.found, plan.known, where);
    if (plan.kind === "current") {
      db.exec("COMMIT");
      return { from: plan.version, to: plan.version };
    }
    db.exec(VERSION_TABLE);
    for (const step of plan.steps) {
      const done = step.up(db);
      if (done instanceof Promise) throw new Error(`SQLite migration ${step.version} (${step.name}) must be synchronous`);
      // run(), not a kept statement: an unfinalized statement would hold the file's lock past close().
      db.run(`INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)`, [step.version, step.name, Date.now()]);
    }
    db.exec("COMMIT");
    return { from: plan.from, to: plan.to };
  } catch (err) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw err;
  }
}
