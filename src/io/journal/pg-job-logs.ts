/**
 * A job's log lines (SPEC §4, `GET /v1/jobs/ID/logs`) in the PostgreSQL journal, as
 * job-logs.ts keeps them in SQLite: per attempt, in the order they came, at most
 * MAX_LINES_PER_ATTEMPT each, purged with the job (PgJournal.purge). Only the node running
 * an attempt writes its lines, so the bound is counted in the database, in the insert's
 * transaction, rather than in a node's memory: a node that takes over a job by rescue
 * writes a new attempt, and the count of an attempt survives a node's restart.
 */
import type { SQL } from "bun";
import type { Log } from "../../protocol/worker-messages.ts";
import { MAX_LINES_PER_ATTEMPT, type JobLogLine } from "../job-logs.ts";

export class PgJobLogs {
  constructor(private readonly sql: SQL) {}

  /** Keeps what fits in the attempt's bound; how many lines were kept. */
  async add(log: Log): Promise<number> {
    if (log.lines.length === 0) return 0;
    return await this.sql.begin(async (tx) => {
      // One attempt's lines come from one connection of one node, one batch at a time; the
      // row lock on the job keeps two batches from both reading the same count.
      await tx`SELECT 1 FROM jobs WHERE id = ${log.id} FOR UPDATE`;
      const [{ n }] = await tx`SELECT COUNT(*)::int AS n FROM job_logs WHERE job_id = ${log.id} AND attempt = ${log.attempt}`;
      const lines = log.lines.slice(0, Math.max(0, MAX_LINES_PER_ATTEMPT - n));
      if (lines.length === 0) return 0;
      const rows = lines.map((l) => ({ job_id: log.id, attempt: log.attempt, at: l.at, level: l.level, line: l.line }));
      await tx`INSERT INTO job_logs ${tx(rows, "job_id", "attempt", "at", "level", "line")}`;
      return lines.length;
    });
  }

  async of(jobId: string): Promise<{ attempt: number; lines: JobLogLine[] }[]> {
    const rows = (await this.sql`SELECT attempt, at, level, line FROM job_logs WHERE job_id = ${jobId} ORDER BY seq`) as (JobLogLine & { attempt: number })[];
    const byAttempt = new Map<number, JobLogLine[]>();
    for (const { attempt, ...line } of rows) byAttempt.set(attempt, [...(byAttempt.get(attempt) ?? []), line]);
    return [...byAttempt].sort(([a], [b]) => a - b).map(([attempt, lines]) => ({ attempt, lines }));
  }
}
