/**
 * Inserting jobs into the PostgreSQL journal, inside a caller's transaction: PgJournal.insert
 * runs it alone, a schedule's fire with its row (pg-schedules.ts). The `jobs_queued` NOTIFY
 * rides in the same transaction, so it is delivered on commit and never for a rollback.
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
  if (pools.length > 0) await tx`SELECT pg_notify(${QUEUED_CHANNEL}, ${JSON.stringify(pools)})`;
}
