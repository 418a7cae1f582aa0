/**
 * The cluster's operations on the PostgreSQL journal (SPEC §13), as PgJournal runs them.
 *
 * - claim: a node takes queued jobs of its pools in one statement. `FOR UPDATE SKIP LOCKED`
 *   lets nodes claim at once without waiting on each other or taking the same row: a row
 *   another claimer has locked is skipped, not waited for. Order: priority (higher first),
 *   then age (UUIDv7 ids sort by submission). A job pinned to a node (its input arrays are
 *   there, pg-arrays.ts) is taken by that node only.
 * - the fence: a claim counts the attempt and names the node; every later write of that
 *   attempt names both, and applies only while the row still has them. A node that lost its
 *   lease, and whose jobs were given to others, cannot overwrite what they do.
 * - leases: each node renews its row in `nodes`; a lapsed one is dead. Times are the nodes'
 *   own clocks (epoch ms), so their clocks must agree to well within lease_s.
 * - rescue: a dead node's running jobs become what a pure decision says (rescue-policy.ts),
 *   those it took and never began go back to the queue with their attempt not counted,
 *   in one transaction that first checks, under the node row's lock, that the lease is still
 *   lapsed: a node that renewed in the meantime keeps its jobs.
 */
import type { SQL } from "bun";
import type { Job } from "../job.ts";
import type { NodeLease, RescueDecision } from "./interface.ts";
import { fromPgRow, MUTABLE, toPgRow } from "./pg-rows.ts";

export const QUEUED_CHANNEL = "jobs_queued";

const byPriorityThenAge = (a: Job, b: Job) => b.priority - a.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export async function claimJobs(sql: SQL, node: string, pools: readonly string[], limit: number, now: number): Promise<Job[]> {
  if (pools.length === 0 || limit <= 0) return [];
  // One pool is `pool = $1`, so that the claim index gives the order and the LIMIT stops
  // the scan; over several, `= ANY` makes PostgreSQL sort every queued job of them first.
  const inPools = pools.length === 1 ? sql`pool = ${pools[0]!}` : sql`pool = ANY(${sql.array([...pools], "TEXT")})`;
  const rows = await sql`
    WITH picked AS (
      SELECT id FROM jobs
      WHERE state = 'queued' AND ${inPools} AND not_before <= ${now}
        AND (pin IS NULL OR pin = ${node})
      ORDER BY priority DESC, id LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    UPDATE jobs SET state = 'running', node = ${node}, attempts = jobs.attempts + 1, started_at = ${now}, worker = NULL
    FROM picked WHERE jobs.id = picked.id
    RETURNING jobs.*`;
  // RETURNING keeps no order: give the jobs back in the order they were picked.
  return rows.map(fromPgRow).sort(byPriorityThenAge);
}

/** A job of `node`'s attempt `expectedAttempt` takes its new state, unless the row moved on; whether it applied. */
export async function transitionJob(sql: SQL, job: Job, expectedAttempt: number, node: string): Promise<boolean> {
  const row = toPgRow(job, MUTABLE);
  const sets = MUTABLE.map((c, i) => `${c} = $${i + 1}`);
  const args: unknown[] = MUTABLE.map((c) => row[c]);
  // A job back in the queue belongs to no node until one claims it again.
  sets.push(`node = CASE WHEN $${args.push(job.state)}::text = 'queued' THEN NULL ELSE node END`);
  const text = `UPDATE jobs SET ${sets.join(", ")} WHERE id = $${args.push(job.id)} AND attempts = $${args.push(expectedAttempt)} AND node = $${args.push(node)}`;
  return await sql.begin(async (tx) => {
    const result = await tx.unsafe(text, args);
    if (result.count !== 1) return false;
    if (job.state === "queued") await tx`SELECT pg_notify(${QUEUED_CHANNEL}, ${JSON.stringify([job.pool])})`;
    return true;
  });
}

const leaseOf = (row: Record<string, unknown>): NodeLease => ({
  name: row.name as string,
  lease_until: Number(row.lease_until),
  renewed_at: Number(row.renewed_at),
  info: JSON.parse(row.info as string),
});

export async function renewLease(sql: SQL, node: string, leaseS: number, info: unknown, now: number): Promise<NodeLease> {
  const until = now + Math.round(leaseS * 1000);
  const [row] = await sql`
    INSERT INTO nodes (name, lease_until, renewed_at, info) VALUES (${node}, ${until}, ${now}, ${JSON.stringify(info ?? null)})
    ON CONFLICT (name) DO UPDATE SET lease_until = excluded.lease_until, renewed_at = excluded.renewed_at, info = excluded.info
    RETURNING *`;
  return leaseOf(row);
}

export async function allNodes(sql: SQL): Promise<NodeLease[]> {
  return (await sql`SELECT * FROM nodes ORDER BY name`).map(leaseOf);
}

/** A node that stops cleanly gives up its lease at once: the others need not wait it out. */
export async function endLease(sql: SQL, node: string, now: number): Promise<void> {
  await sql`UPDATE nodes SET lease_until = ${now} WHERE name = ${node}`;
}

export async function lapsedNodes(sql: SQL, now: number): Promise<NodeLease[]> {
  return (await sql`SELECT * FROM nodes WHERE lease_until < ${now} ORDER BY name`).map(leaseOf);
}

export async function rescueNode(sql: SQL, deadNode: string, decide: RescueDecision, now: number): Promise<string[]> {
  return await sql.begin(async (tx) => {
    const [lease] = await tx`SELECT lease_until FROM nodes WHERE name = ${deadNode} FOR UPDATE`;
    if (lease && Number(lease.lease_until) >= now) return [];
    // SKIP LOCKED: a job that its node is writing right now (a late result) is left for the next rescue.
    const jobs: Job[] = (await tx`SELECT * FROM jobs WHERE node = ${deadNode} AND state = 'running' ORDER BY id FOR UPDATE SKIP LOCKED`).map(fromPgRow);
    const requeued = new Set<string>();
    for (const job of jobs) {
      // Taken and never begun (no worker had it): back to the queue, its attempt not counted.
      if (job.worker === null) {
        await tx`UPDATE jobs SET state = 'queued', attempts = attempts - 1, started_at = NULL, node = NULL WHERE id = ${job.id}`;
        requeued.add(job.pool);
        continue;
      }
      const outcome = decide(job, deadNode, now);
      const error = JSON.stringify(outcome.error);
      if (outcome.state === "queued") {
        await tx`UPDATE jobs SET state = 'queued', not_before = ${outcome.not_before}, error = ${error}, node = NULL, worker = NULL, progress = NULL WHERE id = ${job.id}`;
        requeued.add(job.pool);
      } else {
        await tx`UPDATE jobs SET state = 'failed', error = ${error}, finished_at = ${now}, worker = NULL WHERE id = ${job.id}`;
      }
    }
    if (requeued.size > 0) await tx`SELECT pg_notify(${QUEUED_CHANNEL}, ${JSON.stringify([...requeued])})`;
    return jobs.map((j) => j.id);
  });
}
