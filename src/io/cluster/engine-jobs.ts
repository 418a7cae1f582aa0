/**
 * What a cluster node does to its engine's jobs beyond the engine's own lifecycle: how much
 * room each pool has for claims, the pools' mean run times behind it, and taking a job out of
 * the engine when another node may take it (a retry given back, a lapse, a fenced write).
 */
import type { Engine } from "../dispatch/engine.ts";
import type { Job } from "../job.ts";
import { roomOf } from "./claimer.ts";

/** Room per pool (claimer.ts's roomOf), from its workers, the jobs held in it, and how long they run. */
export function roomByPool(engine: Engine, meanMs: ReadonlyMap<string, number>): Map<string, number> {
  const held = new Map<string, number>();
  for (const job of engine.active.values()) held.set(job.pool, (held.get(job.pool) ?? 0) + 1);
  const room = new Map<string, number>();
  for (const [name, pool] of engine.pools) room.set(name, roomOf(pool.members.size, held.get(name) ?? 0, meanMs.get(name) ?? null));
  return room;
}

/** A moving mean of each pool's jobs' run time (ms), from each job that ended with one. */
export function trackMean(meanMs: Map<string, number>, job: Job): void {
  if (job.execution_ms === null) return;
  const mean = meanMs.get(job.pool);
  meanMs.set(job.pool, mean === undefined ? job.execution_ms : mean + (job.execution_ms - mean) * 0.1);
}

/** Takes a job out of the engine, out of its counts and working copy; its input arrays stay held when `keepArrays`. */
export function dropJob(engine: Engine, job: Job, keepArrays: boolean): void {
  engine.unqueue(job);
  engine.cancelling.delete(job.id);
  engine.returned.delete(job.id);
  engine.active.delete(job.id);
  if (!keepArrays) engine.jobArrays.ended(job, "cancelled");
  engine.ledger.forget(job);
}
