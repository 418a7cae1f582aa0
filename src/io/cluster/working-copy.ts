/**
 * A starting node's working copy against the shared journal (node.ts), before the engine
 * counts anything: it keeps only the jobs the shared journal still gives this node, at the
 * same attempt (the others were rescued while it was away, and are not run here again).
 * Rows the shared journal gives the node that the copy does not hold as active (their last
 * write was lost with the engine that made it) are to be written again: the terminal state
 * the copy kept, or back to the queue.
 */
import { decideRetry } from "../dispatch/retry.ts";
import { isTerminal, type Job } from "../job.ts";
import type { Journal } from "../journal.ts";
import type { FencedWrite } from "./pg-batch.ts";

export type Reconciled = { expected: Map<string, number>; rewrites: FencedWrite[]; dropped: number };

export function reconcileWorkingCopy(journal: Journal, held: ReadonlyMap<string, Job>, node: string, now = Date.now()): Reconciled {
  const expected = new Map<string, number>();
  const rewrites: FencedWrite[] = [];
  let dropped = 0;
  for (const job of journal.active()) {
    const row = held.get(job.id);
    // A job taken but not begun is one attempt behind its row (the claim counted it).
    if (row && row.attempts === (job.state === "queued" ? job.attempts + 1 : job.attempts)) expected.set(job.id, row.attempts);
    else (journal.remove(job.id), dropped++);
  }
  for (const [id, row] of held) {
    if (expected.has(id)) continue;
    const kept = journal.get(id);
    if (kept && isTerminal(kept.state) && kept.attempts === row.attempts) rewrites.push({ job: kept, expected: row.attempts });
    // Not begun (no worker): back, the claim's attempt not counted.
    else if (!row.worker) rewrites.push({ job: { ...row, state: "queued", attempts: row.attempts - 1, started_at: null, not_before: 0 }, expected: row.attempts });
    // Begun: the attempt was lost with the engine; the job's retry policy says what follows, as for a dead node.
    else rewrites.push({ job: lostAttempt(row, node, now), expected: row.attempts });
  }
  return { expected, rewrites, dropped };
}

function lostAttempt(row: Job, node: string, now: number): Job {
  const error = { type: "worker_lost", message: `the IO engine of node ${node} ended while attempt ${row.attempts} of this job ran, before its end was written` };
  const retry = decideRetry(row.retries, row.attempts, "worker_lost");
  return retry.retry
    ? { ...row, state: "queued", not_before: now + retry.delayMs, error, worker: null }
    : { ...row, state: "failed", error, finished_at: now, worker: null };
}
