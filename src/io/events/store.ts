/**
 * The events table: every event of `GET /v1/events` is written in the journal's commit that
 * holds the change it reports, and only then sent (SPEC §5: exactly one `job.finished` per
 * job, after its commit). So the last RING_EVENTS events outlive a `kill -9` of the IO engine:
 * a client that reconnects with Last-Event-ID after a restart gets what it missed from here,
 * and the ids go on from where they were (one sequence for the journal's life).
 *
 * The `meta` rows keep whether job events were being recorded (someone listened within the
 * linger) across a restart, so a new engine records from its first job on for a client that
 * is about to come back.
 */
import type { Database, Statement } from "bun:sqlite";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, job_id TEXT, session_id TEXT, frame TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export type StoredEvent = { id: number; kind: string; job_id: string | null; session_id: string | null; frame: string };

export class EventStore {
  private readonly insertStmt: Statement;
  private readonly afterStmt: Statement;
  private inserted = 0;

  constructor(
    private readonly db: Database,
    private readonly keep: number,
  ) {
    db.exec(SCHEMA);
    this.insertStmt = db.prepare(`INSERT INTO events (id, kind, job_id, session_id, frame) VALUES (?, ?, ?, ?, ?)`);
    this.afterStmt = db.prepare(`SELECT id, kind, job_id, session_id, frame FROM events WHERE id > ? ORDER BY id LIMIT ?`);
  }

  /** Inside the journal's transaction. Trims to the newest `keep` now and then. */
  append(events: readonly StoredEvent[]): void {
    for (const e of events) this.insertStmt.run(e.id, e.kind, e.job_id, e.session_id, e.frame);
    this.inserted += events.length;
    if (this.inserted >= Math.max(1, this.keep / 10)) {
      this.inserted = 0;
      this.db.query(`DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?`).run(this.keep);
    }
  }

  /** Events after `id`, oldest first, at most `limit`. */
  after(id: number, limit: number): StoredEvent[] {
    return this.afterStmt.all(id, limit) as StoredEvent[];
  }

  /** The oldest and newest ids held, or null when there are none. */
  bounds(): { oldest: number; newest: number } | null {
    const row = this.db.query(`SELECT MIN(id) AS oldest, MAX(id) AS newest FROM events`).get() as { oldest: number | null; newest: number | null };
    return row.oldest === null || row.newest === null ? null : { oldest: row.oldest, newest: row.newest };
  }

  meta(key: string): string | null {
    return (this.db.query(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | null)?.value ?? null;
  }

  setMeta(key: string, value: string): void {
    this.db.query(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(key, value);
  }
}
