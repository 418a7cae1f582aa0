/**
 * The journal in PostgreSQL (SPEC §13), on Bun's built-in client (`Bun.sql`): the jobs of
 * every node of a cluster in one database. The same operations as the SQLite journal
 * (interface.ts), and the cluster's own, whose SQL is in pg-cluster.ts.
 *
 * Durability: `insert` resolves after its transaction committed, so a 202 is only for a job
 * the database holds. There is no batching here yet: each call is its own transaction.
 * A `jobs_queued` NOTIFY rides in the insert's transaction (PostgreSQL delivers it on commit,
 * never for a rollback), naming the pools, so idle nodes wake (`listen`); a poll is their
 * fallback for a notification lost with a connection.
 *
 * Bun.sql keeps a pool of connections and opens a new one when one has dropped: a server
 * restart fails the queries in flight at that moment and none after it.
 */
import { SQL } from "bun";
import { clusterUrlProblem, redactUrl } from "../../config/cluster.ts";
import type { Job, JobState } from "../job.ts";
import { zeroCounts } from "../job-row.ts";
import type { ListFilter } from "../submission.ts";
import type { ClusterJournal, NodeLease, RescueDecision } from "./interface.ts";
import { SchemaTooNewError, type Migrated } from "./migrations.ts";
import { claimJobs, lapsedNodes, QUEUED_CHANNEL, renewLease, rescueNode, transitionJob } from "./pg-cluster.ts";
import { insertJobs } from "./pg-insert.ts";
import { migratePg } from "./pg-migrate.ts";
import { PgArrayBooks } from "./pg-arrays.ts";
import { PgJobLogs } from "./pg-job-logs.ts";
import { fromPgRow } from "./pg-rows.ts";
import { PgSchedules } from "./pg-schedules.ts";
import { ClusterJournalError, describeConnectError } from "./pg-url.ts";

export type PgJournalOptions = { maxConnections?: number; connectTimeoutS?: number };

export class PgJournal implements ClusterJournal {
  readonly backend = "postgres" as const;
  /** The cluster's schedules (pg-schedules.ts): fired once per due time across the nodes. */
  readonly schedules: PgSchedules;
  /** Jobs' log lines (pg-job-logs.ts), purged with their jobs. */
  readonly logs: PgJobLogs;

  private constructor(
    /** The pool of connections, for the cluster's batched statements (src/io/cluster/pg-batch.ts). */
    readonly sql: SQL,
    /** The URL without its password: what messages may show. */
    readonly where: string,
    readonly migrated: Migrated,
  ) {
    this.schedules = new PgSchedules(sql);
    this.logs = new PgJobLogs(sql);
  }

  /** Connects and brings the schema to this gaia's version; a clear ClusterJournalError when it cannot. */
  static async open(url: string, options: PgJournalOptions = {}): Promise<PgJournal> {
    const where = redactUrl(url);
    // Bun.sql would pick MySQL for a mysql:// URL: only PostgreSQL is a cluster journal.
    const problem = clusterUrlProblem(url);
    if (problem) throw new ClusterJournalError(`cluster.url: ${problem}, got ${where}`);
    let sql: SQL;
    try {
      // Bun lets PGDATABASE win over the URL's database (bun-types, sql.d.ts): the URL is what
      // every node was given, so its database is passed as an option, which wins over both.
      const database = decodeURIComponent(new URL(url).pathname.slice(1)) || undefined;
      sql = new SQL(url, { adapter: "postgres", database, max: options.maxConnections ?? 10, connectionTimeout: options.connectTimeoutS ?? 10 });
    } catch (err) {
      throw new ClusterJournalError(`cluster.url is not a PostgreSQL URL gaia can use (${where}): ${(err as Error).message}`, err);
    }
    try {
      return new PgJournal(sql, where, await migratePg(sql, where));
    } catch (err) {
      await sql.close().catch(() => {});
      if (err instanceof SchemaTooNewError) throw err;
      throw new ClusterJournalError(describeConnectError(where, err), err);
    }
  }

  async insert(jobs: Job[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.sql.begin((tx) => insertJobs(tx, jobs));
  }

  async get(id: string): Promise<Job | null> {
    const [row] = await this.sql`SELECT * FROM jobs WHERE id = ${id}`;
    return row ? fromPgRow(row) : null;
  }

  async byIdempotencyKey(key: string): Promise<Job | null> {
    const [row] = await this.sql`SELECT * FROM jobs WHERE idempotency_key = ${key}`;
    return row ? fromPgRow(row) : null;
  }

  /** The same filters as Journal.list; ids are UUIDv7 in byte order (COLLATE "C"), so id order is submission order. */
  async list(filter: ListFilter): Promise<Job[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (clause: string, value: string | number) => (args.push(value), where.push(clause.replace("?", `$${args.length}`)));
    if (filter.state) add("state = ?", filter.state);
    if (filter.task) add("task = ?", filter.task);
    if (filter.schedule) add("schedule = ?", filter.schedule);
    if (filter.after) add(filter.order === "desc" ? "id < ?" : "id > ?", filter.after);
    args.push(filter.limit);
    const text = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id ${filter.order === "desc" ? "DESC" : "ASC"} LIMIT $${args.length}`;
    return (await this.sql.unsafe(text, args)).map(fromPgRow);
  }

  async counts(): Promise<Record<JobState, number>> {
    const counts = zeroCounts();
    for (const row of await this.sql`SELECT state, COUNT(*)::int AS n FROM jobs GROUP BY state`) counts[row.state as JobState] = row.n;
    return counts;
  }

  async purge(before: number): Promise<Partial<Record<JobState, number>>> {
    return await this.sql.begin(async (tx) => {
      // A job's log lines go with it, in the same transaction.
      await tx`DELETE FROM job_logs WHERE job_id IN (SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ${before})`;
      const rows = await tx`DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ${before} RETURNING state`;
      const purged: Partial<Record<JobState, number>> = {};
      for (const { state } of rows as { state: JobState }[]) purged[state] = (purged[state] ?? 0) + 1;
      return purged;
    });
  }

  async savePoolTasks(pool: string, tasks: string[]): Promise<void> {
    await this.sql`INSERT INTO pool_tasks (pool, tasks) VALUES (${pool}, ${JSON.stringify(tasks)}) ON CONFLICT (pool) DO UPDATE SET tasks = excluded.tasks`;
  }

  async poolTasks(): Promise<Map<string, string[]>> {
    const rows = (await this.sql`SELECT pool, tasks FROM pool_tasks`) as { pool: string; tasks: string }[];
    return new Map(rows.map((r) => [r.pool, JSON.parse(r.tasks) as string[]]));
  }

  claim(node: string, pools: readonly string[], limit: number, now = Date.now()): Promise<Job[]> {
    return claimJobs(this.sql, node, pools, limit, now);
  }

  transition(job: Job, expectedAttempt: number, node: string): Promise<boolean> {
    return transitionJob(this.sql, job, expectedAttempt, node);
  }

  renewLease(node: string, leaseS: number, info: unknown, now = Date.now()): Promise<NodeLease> {
    return renewLease(this.sql, node, leaseS, info, now);
  }

  lapsed(now: number): Promise<NodeLease[]> {
    return lapsedNodes(this.sql, now);
  }

  rescue(deadNode: string, decide: RescueDecision, now = Date.now()): Promise<string[]> {
    return rescueNode(this.sql, deadNode, decide, now);
  }

  /** The arrays' books of `node`'s run `instance` (pg-arrays.ts). */
  arrayBooks(node: string, instance: string): PgArrayBooks {
    return new PgArrayBooks(this.sql, node, instance);
  }

  async listen(cb: (pools: string[]) => void): Promise<{ unlisten(): Promise<void> }> {
    return await this.sql.listen(QUEUED_CHANNEL, (payload) => cb(JSON.parse(payload) as string[]));
  }

  async close(): Promise<void> {
    await this.sql.close();
  }
}
