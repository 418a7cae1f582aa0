/**
 * The lines a job printed while it ran (SPEC §4, `GET /v1/jobs/ID/logs`), per attempt, kept
 * in the journal beside the job and purged with it. A worker keeps at most its own bound
 * per attempt (workers/job-log.ts, python/gaia_worker/output.py: 1,000 lines, 256 KiB, then
 * one line saying how many were left out); the engine holds to the same bound whatever a
 * worker sends.
 */
import type { Database, Statement } from "bun:sqlite";
import type { Log } from "../protocol/worker-messages.ts";

export const MAX_LINES_PER_ATTEMPT = 1001; // the worker's 1,000 and its "left out" line

export type JobLogLine = { at: string; level: string; line: string };

export class JobLogs {
  private readonly insert: Statement;
  /** Lines kept so far per running job's attempt ("id/attempt"), for the bound. */
  private readonly counts = new Map<string, number>();

  /** The table is the journal's (journal.ts makes it, and purges a job's lines with the job). */
  constructor(private readonly db: Database) {
    this.insert = db.prepare(`INSERT INTO job_logs (job_id, attempt, at, level, line) VALUES (?, ?, ?, ?, ?)`);
  }

  add(log: Log): void {
    const key = `${log.id}/${log.attempt}`;
    const room = MAX_LINES_PER_ATTEMPT - (this.counts.get(key) ?? 0);
    const lines = log.lines.slice(0, Math.max(0, room));
    if (lines.length === 0) return;
    this.counts.set(key, MAX_LINES_PER_ATTEMPT - room + lines.length);
    this.db.transaction(() => {
      for (const l of lines) this.insert.run(log.id, log.attempt, l.at, l.level, l.line);
    })();
  }

  /** The job ended: its bound's counters go (its lines stay until the job is purged). */
  ended(jobId: string): void {
    for (const key of this.counts.keys()) if (key.startsWith(`${jobId}/`)) this.counts.delete(key);
  }

  /** Finalizes the statement, so that closing the database releases the file (see Journal.close). */
  close(): void {
    this.insert.finalize();
  }

  of(jobId: string): { attempt: number; lines: JobLogLine[] }[] {
    const rows = this.db.query(`SELECT attempt, at, level, line FROM job_logs WHERE job_id = ? ORDER BY rowid`).all(jobId) as (JobLogLine & { attempt: number })[];
    const byAttempt = new Map<number, JobLogLine[]>();
    for (const { attempt, ...line } of rows) byAttempt.set(attempt, [...(byAttempt.get(attempt) ?? []), line]);
    return [...byAttempt].sort(([a], [b]) => a - b).map(([attempt, lines]) => ({ attempt, lines }));
  }
}
