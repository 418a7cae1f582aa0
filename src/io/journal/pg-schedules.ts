/**
 * Schedules in the PostgreSQL journal (SPEC §10, §13): the same rows as the SQLite store
 * (schedules/store.ts), shared by every node, and the one thing a cluster adds: a due run
 * fires once across the cluster, whichever nodes see it due.
 *
 * `fire` is a compare-and-set on the schedule's row: it records the due time it fires for
 * (`last_due_at`) only if the row holds an earlier one, and inserts the run's job in the
 * same transaction. Two nodes firing one due time both try the UPDATE; PostgreSQL makes the
 * second wait on the row lock, then re-checks its WHERE against the committed row (READ
 * COMMITTED), finds the due time taken, and changes nothing: it gets null and drops its job.
 * `runs` counts in SQL, not from a node's copy, since another node may have fired since.
 */
import type { SQL } from "bun";
import type { ScheduleConfig } from "../../config/schema.ts";
import type { Job } from "../job.ts";
import type { Saved, Source } from "../schedules/store.ts";
import { insertJobs } from "./pg-insert.ts";

const COLUMNS = [
  "name", "source", "spec", "paused", "runs", "skips", "next_run_at", "last_run_at",
  "last_job", "last_outcome", "last_error", "created_at", "updated_at",
] as const;

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function fromRow(row: Record<string, unknown>): Saved {
  return {
    name: row.name as string,
    source: row.source as Source,
    spec: JSON.parse(row.spec as string) as ScheduleConfig,
    paused: row.paused as boolean,
    runs: Number(row.runs),
    skips: Number(row.skips),
    next_run_at: num(row.next_run_at),
    last_run_at: num(row.last_run_at),
    last_job: row.last_job as string | null,
    last_outcome: row.last_outcome as string | null,
    last_error: row.last_error as string | null,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

export class PgSchedules {
  constructor(private readonly sql: SQL) {}

  async all(): Promise<Saved[]> {
    return (await this.sql`SELECT * FROM schedules ORDER BY name`).map(fromRow);
  }

  /**
   * Writes a schedule's definition and bookkeeping as this node holds them (as the SQLite
   * store does); the due time it last fired for stays, so a stale copy cannot fire a run
   * twice, but its counts are written as they are. Wiring the scheduler to a cluster must
   * leave runs and last_* to `fire`.
   */
  async save(saved: Saved): Promise<void> {
    const row = { ...saved, spec: JSON.stringify(saved.spec) };
    const updates = COLUMNS.filter((c) => c !== "name").map((c) => `${c} = excluded.${c}`).join(", ");
    await this.sql`INSERT INTO schedules ${this.sql(row, ...COLUMNS)} ON CONFLICT (name) DO UPDATE SET ${this.sql.unsafe(updates)}`;
  }

  async delete(name: string): Promise<void> {
    await this.sql`DELETE FROM schedules WHERE name = ${name}`;
  }

  /**
   * Fires the run due at `due` with `job`, unless some node fired this schedule for `due` or
   * later already: the row as fired, or null (the job was not inserted).
   */
  async fire(name: string, due: number, job: Job, nextRunAt: number | null, now = Date.now()): Promise<Saved | null> {
    const error = job.error ? `${job.error.type}: ${job.error.message}` : null;
    return await this.sql.begin(async (tx) => {
      const [row] = await tx`
        UPDATE schedules SET last_due_at = ${due}, runs = runs + 1, last_run_at = ${job.created_at}, last_job = ${job.id},
          last_outcome = ${job.state}, last_error = ${error}, next_run_at = ${nextRunAt}, updated_at = ${now}
        WHERE name = ${name} AND (last_due_at IS NULL OR last_due_at < ${due})
        RETURNING *`;
      if (!row) return null;
      await insertJobs(tx, [job]);
      return fromRow(row);
    });
  }
}
