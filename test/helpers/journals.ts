/**
 * The journal backends as the shared suite opens them: a fresh, empty journal per test, and
 * `raw` SQL on the same database for what the interface does not do (a test's setup).
 * PostgreSQL: one private server per test file (test/helpers/postgres.ts), a new database
 * per journal, so tests never see each other's rows.
 */
import { Database } from "bun:sqlite";
import { afterAll, afterEach, beforeAll } from "bun:test";
import { SQL } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobJournal } from "../../src/io/journal/interface.ts";
import { PgJournal, type PgJournalOptions } from "../../src/io/journal/pg-journal.ts";
import { SqliteJobJournal } from "../../src/io/journal/sqlite-journal.ts";
import { startPostgres, type PgServer } from "./postgres.ts";

export type Place = { open(): Promise<JobJournal>; raw(sql: string): Promise<void>; url?: string };

export type Backend = {
  name: "sqlite" | "postgres";
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A new, empty place for a journal: each open() there reopens the same data. */
  place(): Promise<Place>;
};

export function sqliteBackend(): Backend {
  const dirs: string[] = [];
  return {
    name: "sqlite",
    setup: async () => {},
    teardown: async () => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
    place: async () => {
      const dir = mkdtempSync(join(tmpdir(), "gaia-journal-"));
      dirs.push(dir);
      return {
        open: async () => SqliteJobJournal.open(dir),
        raw: async (sql) => {
          const db = new Database(join(dir, "journal.sqlite"));
          db.exec(sql);
          db.close();
        },
      };
    },
  };
}

export function postgresBackend(): Backend {
  let server: PgServer | null = null;
  let n = 0;
  return {
    name: "postgres",
    setup: async () => {
      server = await startPostgres();
    },
    teardown: async () => {
      await server?.stop();
    },
    place: async () => {
      const url = await pgDatabase(server!, `journal_${++n}`);
      return {
        url,
        open: () => PgJournal.open(url),
        raw: async (text) => {
          const sql = sqlFor(url);
          await sql.unsafe(text);
          await sql.close();
        },
      };
    },
  };
}

/** A new database on `server`, owned by the test role; its URL. */
export async function pgDatabase(server: PgServer, name: string): Promise<string> {
  await server.psql(`CREATE DATABASE ${name} OWNER gaia_test`);
  return server.url.replace(/\/gaia_test$/, `/${name}`);
}

/** A one-connection client on the URL's own database (Bun would let PGDATABASE win over it). */
export function sqlFor(url: string): SQL {
  return new SQL(url, { max: 1, database: new URL(url).pathname.slice(1) });
}

/**
 * A test file's own PostgreSQL server (started before its tests, stopped after them) and
 * `nodes(count)`: a fresh database with `count` journals on it, each with its own pool of
 * connections as nodes have. Each test's journals close after it: their connections count
 * against the server's max_connections.
 */
export function pgNodes(prefix: string, maxConnections = 3) {
  let server: PgServer | null = null;
  let n = 0;
  const opened: PgJournal[] = [];
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterEach(async () => {
    for (const j of opened.splice(0)) await j.close().catch(() => {});
  });
  afterAll(async () => {
    await server?.stop();
  });
  const fixture = {
    get server(): PgServer {
      if (!server) throw new Error("the PostgreSQL server is not started yet (use it inside a test)");
      return server;
    },
    /** A fresh database's URL; journals opened on it with `open` are closed after the test. */
    database: () => pgDatabase(fixture.server, `${prefix}_${++n}`),
    /** `options` as PgJournal.open takes them; the fixture's pool size unless given. */
    open: async (url: string, options: PgJournalOptions = { maxConnections }): Promise<PgJournal> => {
      const journal = await PgJournal.open(url, options);
      opened.push(journal);
      return journal;
    },
    async nodes(count: number): Promise<{ url: string; js: PgJournal[] }> {
      const url = await fixture.database();
      return { url, js: await Promise.all(Array.from({ length: count }, () => fixture.open(url))) };
    },
  };
  return fixture;
}
