/**
 * What becomes of a job whose node died (SPEC §13): its attempt is `worker_lost`, naming
 * the node, and the job follows its retry policy (dispatch/retry.ts) like any other lost
 * attempt: back to the queue for another node to take, or failed once its retries are
 * spent (or the policy does not retry worker_lost). Back at once, without the backoff: a
 * backoff spares a resource the job keeps failing on, and a dead node is not the job's
 * failure; the others have waited out the lease already (the target: running elsewhere
 * within lease_s + 1 s). Pure, so PgJournal.rescue applies it without deciding anything.
 */
import { decideRetry } from "../dispatch/retry.ts";
import type { RescueDecision } from "./interface.ts";

export function rescueByRetryPolicy(random: () => number = Math.random): RescueDecision {
  return (job, deadNode, now) => {
    const error = { type: "worker_lost", message: `node ${deadNode} stopped renewing its lease while it ran attempt ${job.attempts} of this job` };
    const decision = decideRetry(job.retries, job.attempts, "worker_lost", random);
    return decision.retry ? { state: "queued", not_before: now, error } : { state: "failed", error };
  };
}
