/**
 * The cluster's hot statements on the PostgreSQL journal, each ONE statement (SPEC §13).
 *
 * One statement is one implicit transaction: a node cut off mid-statement leaves no open
 * transaction holding row locks (a rescue's `SKIP LOCKED` would skip those rows for as
 * long as TCP took to notice). Rows travel as one JSON parameter that
 * `json_populate_record(NULL::jobs, …)` types by the table's own columns, so a batch of a
 * thousand jobs is one parameter, not 25,000, and a column added by a migration needs no
 * change here. Notifications ride in the same statement, so they are sent on its commit.
 *
 * Channels: `jobs_queued` (pools with new queued jobs), `jobs_done` (ids that ended, in
 * parts of at most DONE_IDS_MAX, within NOTIFY's 8000-byte payload), `jobs_cancel` (a
 * node's name: a cancel was asked for one of its jobs).
 */
import type { SQL } from "bun";
import type { Job } from "../job.ts";
import { COLUMNS, fromPgRow, MUTABLE, toPgRow } from "../journal/pg-rows.ts";
import { QUEUED_CHANNEL } from "../journal/pg-cluster.ts";

export const DONE_CHANNEL = "jobs_done";
export const CANCEL_CHANNEL = "jobs_cancel";
/** Ids a `jobs_done` payload names at most (39 bytes each as JSON); a larger batch sends several. */
const DONE_IDS_MAX = 150;
const TERMINAL_SQL = "('succeeded', 'failed', 'timed_out', 'cancelled')";

const clusterJob = fromPgRow;

/**
 * Inserts new queued jobs, those that name arrays pinned to the node `pin` says holds them. A job whose idempotency key another job holds is not inserted: the ids that
 * were are returned, and the caller answers the others with the holder (cluster-wide keys).
 */
export async function insertQueued(sql: SQL, jobs: readonly Job[], pin: (job: Job) => string): Promise<Set<string>> {
  if (jobs.length === 0) return new Set();
  const rows = jobs.map((j) => ({ ...toPgRow(j, COLUMNS), pin: Object.keys(j.arrays).length > 0 ? pin(j) : null }));
  const [answer] = await sql.unsafe(
    `WITH ins AS (
       INSERT INTO jobs (${COLUMNS.join(", ")}, pin)
       SELECT ${COLUMNS.join(", ")}, pin FROM json_populate_recordset(NULL::jobs, $1::text::json)
       ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id, pool),
     n AS (SELECT pg_notify('${QUEUED_CHANNEL}', json_agg(DISTINCT pool)::text) FROM ins HAVING count(*) > 0)
     SELECT (SELECT json_agg(id) FROM ins)::text AS ids, (SELECT count(*) FROM n) AS notified`,
    [JSON.stringify(rows)],
  );
  return new Set(JSON.parse((answer?.ids as string | null) ?? "[]") as string[]);
}

/** One fenced write: the job's state now, for the attempt `expected` this node claimed. */
export type FencedWrite = { job: Job; expected: number };

/**
 * Writes each job's new state where its row is still `node`'s and the claimed attempt's;
 * the ids written. A job back in the queue (a retry, a shutdown) is released: no node's.
 */
export async function writeFenced(sql: SQL, node: string, writes: readonly FencedWrite[]): Promise<Set<string>> {
  if (writes.length === 0) return new Set();
  const rows = writes.map(({ job, expected }) => ({ ...toPgRow(job, MUTABLE), id: job.id, expected_attempt: expected }));
  const sets = MUTABLE.map((c) => `${c} = v.${c}`).join(", ");
  const [answer] = await sql.unsafe(
    `WITH v AS MATERIALIZED (
       SELECT r.*, (e->>'expected_attempt')::int AS expected_attempt
       FROM json_array_elements($1::text::json) e CROSS JOIN LATERAL json_populate_record(NULL::jobs, e) r),
     u AS (
       UPDATE jobs SET ${sets}, node = CASE WHEN v.state = 'queued' THEN NULL ELSE jobs.node END,
         cancel_at = CASE WHEN v.state = 'queued' OR v.state IN ${TERMINAL_SQL} THEN NULL ELSE jobs.cancel_at END
       FROM v WHERE jobs.id = ANY($3::text[]) AND jobs.id = v.id AND jobs.node = $2 AND jobs.attempts = v.expected_attempt
       RETURNING jobs.id, jobs.state, jobs.pool),
     q AS (SELECT pg_notify('${QUEUED_CHANNEL}', json_agg(DISTINCT pool)::text) FROM u WHERE state = 'queued' HAVING count(*) > 0),
     d AS (SELECT pg_notify('${DONE_CHANNEL}', json_agg(id)::text)
           FROM (SELECT id, (row_number() OVER ()) / ${DONE_IDS_MAX} AS part FROM u WHERE state IN ${TERMINAL_SQL}) ended GROUP BY part)
     SELECT (SELECT json_agg(id) FROM u)::text AS ids, (SELECT count(*) FROM q) + (SELECT count(*) FROM d) AS notified`,
    // The ids again as an array: with them the planner finds the rows by primary key; from
    // the JSON alone it cannot tell how many there are, and scans the table (measured).
    [JSON.stringify(rows), node, sql.array(writes.map((w) => w.job.id), "TEXT")],
  );
  return new Set(JSON.parse((answer?.ids as string | null) ?? "[]") as string[]);
}

export type CancelAsked =
  | { kind: "cancelled"; job: Job }
  | { kind: "asked"; node: string }
  | { kind: "terminal"; job: Job }
  | { kind: "unknown" };

/**
 * A cancel asked at this node for a job it does not hold: a queued job no node has taken
 * ends `cancelled` here and now; one a node holds is stamped for that node, and told.
 */
export async function askCancel(sql: SQL, id: string, now: number): Promise<CancelAsked> {
  const error = JSON.stringify({ type: "cancelled", message: "cancelled through the API while queued" });
  const [queued] = await sql.unsafe(
    `WITH u AS (UPDATE jobs SET state = 'cancelled', finished_at = $2, error = $3 WHERE id = $1 AND state = 'queued' AND node IS NULL RETURNING *),
     d AS (SELECT pg_notify('${DONE_CHANNEL}', json_build_array(id)::text) FROM u)
     SELECT u.*, (SELECT count(*) FROM d) AS notified FROM u`,
    [id, now, error],
  );
  if (queued) return { kind: "cancelled", job: clusterJob(queued) };
  const [held] = await sql.unsafe(
    `WITH u AS (UPDATE jobs SET cancel_at = $2 WHERE id = $1 AND state NOT IN ${TERMINAL_SQL} AND node IS NOT NULL RETURNING node),
     c AS (SELECT pg_notify('${CANCEL_CHANNEL}', node) FROM u)
     SELECT u.node, (SELECT count(*) FROM c) AS notified FROM u`,
    [id, now],
  );
  if (held) return { kind: "asked", node: held.node as string };
  const [row] = await sql`SELECT * FROM jobs WHERE id = ${id}`;
  if (!row) return { kind: "unknown" };
  // Between the two statements it ended, or went back to the queue: the caller looks again.
  return { kind: "terminal", job: clusterJob(row) };
}

/** The ids of `node`'s jobs whose cancel another node asked for (the poll behind `jobs_cancel`). */
export async function cancelsAsked(sql: SQL, node: string): Promise<string[]> {
  const rows = await sql`SELECT id FROM jobs WHERE node = ${node} AND cancel_at IS NOT NULL AND state = 'running'`;
  return rows.map((r: { id: string }) => r.id);
}

/** The jobs, as the cluster reads them (with their node); those that exist. */
export async function jobsByIds(sql: SQL, ids: readonly string[]): Promise<Job[]> {
  if (ids.length === 0) return [];
  const rows = await sql`SELECT * FROM jobs WHERE id = ANY(${sql.array([...ids], "TEXT")})`;
  return rows.map(clusterJob);
}

/** `node`'s rows as the journal holds them: what a starting engine checks its own jobs against. */
export async function heldBy(sql: SQL, node: string): Promise<Map<string, Job>> {
  const rows = await sql`SELECT * FROM jobs WHERE node = ${node} AND state = 'running'`;
  return new Map(rows.map((r: Record<string, unknown>) => [r.id as string, clusterJob(r)]));
}

/** Counts by pool of queued jobs anyone may take now: what `queue.max_depth` checks in a cluster. */
export async function queuedByPool(sql: SQL): Promise<Map<string, number>> {
  const rows = await sql`SELECT pool, count(*)::int AS n FROM jobs WHERE state = 'queued' GROUP BY pool`;
  return new Map(rows.map((r: { pool: string; n: number }) => [r.pool, r.n]));
}
