/**
 * The SQLite journal's versioned schema (src/io/journal/sqlite-migrate.ts): version 1 is
 * exactly the schema today's stores make, a journal written by today's code (no
 * schema_version) is adopted as version 1 with nothing lost, an older journal is completed
 * in place, a newer one is refused, and a failing step leaves the journal as it was.
 */
import { Database } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventStore } from "../src/io/events/store.ts";
import type { Job } from "../src/io/job.ts";
import { Journal } from "../src/io/journal.ts";
import { SchemaTooNewError } from "../src/io/journal/migrations.ts";
import { SQLITE_MIGRATIONS } from "../src/io/journal/sqlite-migrations.ts";
import { migrateSqlite, sqliteVersion } from "../src/io/journal/sqlite-migrate.ts";
import { ScheduleStore } from "../src/io/schedules/store.ts";
import { makeJob } from "./helpers/jobs.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gaia-migrate-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A data dir as today's IO engine leaves it, written by today's code in a process of its own. */
function todaysJournal(data: string, job?: Job): void {
  const args = [join(import.meta.dir, "fixtures/todays-journal.ts"), data, ...(job ? [JSON.stringify(job)] : [])];
  const run = Bun.spawnSync([process.execPath, ...args], { stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`todays-journal.ts: ${run.stderr.toString()}`);
}

/** Every table and index, as sqlite_master keeps its text; schema_version left out. */
function schemaOf(db: Database): { type: string; name: string; sql: string | null }[] {
  return db.query(`SELECT type, name, sql FROM sqlite_master WHERE name != 'schema_version' ORDER BY type, name`).all() as never;
}

const open = (file: string) => new Database(file, { strict: true });

test("version 1 on a new file is exactly the schema today's journal and stores make", () => {
  todaysJournal(join(dir, "today"));
  const today = open(join(dir, "today", "journal.sqlite"));
  const fresh = open(join(dir, "fresh.sqlite"));
  expect(migrateSqlite(fresh, "fresh")).toEqual({ from: 0, to: 1 });
  expect(schemaOf(fresh)).toEqual(schemaOf(today));
  expect(schemaOf(fresh).map((r) => r.name)).toContain("jobs_schedule");
  expect(fresh.query(`SELECT version, name FROM schema_version`).all()).toEqual([{ version: 1, name: SQLITE_MIGRATIONS[0]!.name }]);
  today.close();
  fresh.close();
});

test("a journal written by today's code is adopted as version 1 with its jobs, schedules and events", () => {
  const data = join(dir, "data");
  const job = makeJob({ idempotency_key: "k1", priority: 5, schedule: "nightly" });
  todaysJournal(data, job);

  const db = open(join(data, "journal.sqlite"));
  const before = schemaOf(db);
  expect(sqliteVersion(db)).toBe(0);
  expect(migrateSqlite(db, data)).toEqual({ from: 0, to: 1 });
  expect(schemaOf(db)).toEqual(before);
  expect(sqliteVersion(db)).toBe(1);
  expect(migrateSqlite(db, data)).toEqual({ from: 1, to: 1 });
  db.close();

  // And today's code reads it as before (the last use of this file in this process).
  const again = new Journal(data);
  expect(again.get(job.id)).toEqual({ ...job, state: "succeeded", result: { ok: true }, finished_at: 5 });
  expect(again.byIdempotencyKey("k1")?.id).toBe(job.id);
  expect(again.poolTasks()).toEqual(new Map([["default", ["echo"]]]));
  expect(new EventStore(again.db, 100).after(0, 10)).toHaveLength(1);
  expect(new ScheduleStore(again.database).all()).toEqual([]);
  again.close();
});

test("a journal older than schedules and priorities gets their columns, its rows kept", () => {
  const file = join(dir, "old.sqlite");
  const old = open(file);
  old.exec(`CREATE TABLE jobs (id TEXT PRIMARY KEY, task TEXT NOT NULL, pool TEXT NOT NULL, state TEXT NOT NULL,
    payload TEXT, arrays TEXT NOT NULL, result TEXT, result_arrays TEXT NOT NULL, error TEXT,
    attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, session_id TEXT,
    idempotency_key TEXT, created_at INTEGER NOT NULL, started_at INTEGER,
    finished_at INTEGER, not_before INTEGER NOT NULL, worker TEXT, execution_ms REAL,
    usage TEXT, progress TEXT, timeout_s REAL NOT NULL, retries TEXT NOT NULL)`);
  old.exec(`CREATE TABLE arrays (name TEXT PRIMARY KEY, instance TEXT NOT NULL)`);
  old.exec(`INSERT INTO jobs VALUES ('j1', 'echo', 'default', 'queued', NULL, '{}', NULL, '{}', NULL, 0, 4, NULL, NULL, 1, NULL, NULL, 0, NULL, NULL, NULL, NULL, 300, '{}')`);
  expect(migrateSqlite(old, file)).toEqual({ from: 0, to: 1 });
  expect(old.query(`SELECT id, schedule, priority FROM jobs`).all()).toEqual([{ id: "j1", schedule: null, priority: 0 }]);
  const arrays = old.query(`PRAGMA table_info(arrays)`).all() as { name: string }[];
  expect(arrays.map((c) => c.name)).toContain("origin");
  old.close();
});

test("a journal of a newer gaia is refused with a clear error, and left as it was", () => {
  const file = join(dir, "newer.sqlite");
  const db = open(file);
  migrateSqlite(db, file);
  db.exec(`INSERT INTO schema_version VALUES (2, 'from the future', 0)`);
  expect(() => migrateSqlite(db, file)).toThrow(SchemaTooNewError);
  expect(() => migrateSqlite(db, file)).toThrow(`the journal at ${file} has schema version 2, newer than this gaia knows (1)`);
  expect(sqliteVersion(db)).toBe(2);
  expect(db.inTransaction).toBe(false);
  db.close();
});

test("a step that fails rolls every step of the upgrade back", () => {
  const file = join(dir, "fail.sqlite");
  const db = open(file);
  const broken = [...SQLITE_MIGRATIONS, { version: 2, name: "broken", up: (d: Database) => void (d.exec(`CREATE TABLE half (x)`), d.exec(`NOT SQL`)) }];
  expect(() => migrateSqlite(db, file, broken)).toThrow();
  expect(sqliteVersion(db)).toBe(0);
  expect(db.query(`SELECT name FROM sqlite_master`).all()).toEqual([]);
  db.close();
});
