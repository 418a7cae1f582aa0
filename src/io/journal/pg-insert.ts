/**
 * Inserting jobs into the PostgreSQL journal, inside a caller's transaction: PgJournal.insert
 * runs it alone, a schedule's fire with its row (pg-schedules.ts). The `jobs_queued` NOTIFY
 * rides in the same transaction, so it is delivered on commit and never for a rollback.
 * A job whose input arrays are on some node is pinned to that node in the same transaction.
 */
import type { TransactionSQL } from "bun";
import type { Job } from "../job.ts";
import { IdempotencyConflictError } from "./interface.ts";
import { QUEUED_CHANNEL } from "./pg-cluster.ts";
import { COLUMNS, toPgRow } from "./pg-rows.ts";

/** Rows per INSERT: 25 columns each, within PostgreSQL's 65,535 parameters a statement. */
const INSERT_CHUNK = 1000;

export async function insertJobs(tx: TransactionSQL, jobs: readonly Job[]): Promise<void> {
  const pools = [...new Set(jobs.filter((j) => j.state === "queued").map((j) => j.pool))];
  try {
    for (let i = 0; i < jobs.length; i += INSERT_CHUNK) {
      await tx`INSERT INTO jobs ${tx(jobs.slice(i, i + INSERT_CHUNK).map((j) => toPgRow(j)), ...COLUMNS)}`;
    }
  } catch (err) {
    const e = err as { errno?: string; constraint?: string; detail?: string };
    if (e.errno === "23505" && e.constraint === "jobs_idempotency") {
      throw new IdempotencyConflictError(/\(idempotency_key\)=\((.*)\) already exists/.exec(e.detail ?? "")?.[1] ?? null);
    }
    throw err;
  }
  // A job that names arrays runs where they are (migration 3): pinned to their node.
  const named = jobs.filter((j) => Object.keys(j.arrays).length > 0).map((j) => j.id);
  if (named.length > 0) {
    await tx`
      UPDATE jobs SET pin = (SELECT a.node FROM arrays a WHERE a.name IN (SELECT value FROM json_each_text(jobs.arrays::json)) ORDER BY a.name LIMIT 1)
      WHERE id = ANY(${tx.array(named, "TEXT")})`;
  }
  if (pools.length > 0) await tx`SELECT pg_notify(${QUEUED_CHANNEL}, ${JSON.stringify(pools)})`;
}
