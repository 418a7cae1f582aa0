/**
 * What a starting IO engine does with the journal's unfinished jobs (pure).
 *
 *   an input array is gone (arrays live for one run of gaia)  → fails now: array_lost
 *   queued                                                    → back into its queue
 *   running                                                   → an orphan: a worker that
 *       still runs it names it in its hello and takes it up again; one that no worker
 *       claims within ORPHAN_GRACE_MS is settled like a job whose worker died
 *
 * Dispatch waits meanwhile (start-hold.ts): a job the journal shows as queued may already
 * run on a worker that has not reconnected yet.
 */
import type { ErrorInfo } from "../../protocol/worker-messages.ts";
import type { Job } from "../job.ts";

export const ORPHAN_GRACE_MS = 5000;

export type Adoption = { lost: { job: Job; error: ErrorInfo }[]; queued: Job[]; orphans: Job[] };

export function adoptionPlan(jobs: readonly Job[], arrayExists: (name: string) => boolean): Adoption {
  const plan: Adoption = { lost: [], queued: [], orphans: [] };
  for (const job of jobs) {
    const missing = Object.entries(job.arrays).find(([, name]) => !arrayExists(name));
    if (missing) {
      const message = `input array '${missing[0]}' (${missing[1]}) was lost when gaia restarted; arrays live for one run of gaia`;
      plan.lost.push({ job, error: { type: "array_lost", message } });
    } else if (job.state === "queued") plan.queued.push(job);
    else plan.orphans.push(job);
  }
  return plan;
}

/** The error of an orphan that no worker claimed in time (its cancel, if asked, wins). */
export function unclaimedOrphan(cancelRequested: boolean): { state: "cancelled" | "failed"; error: ErrorInfo } {
  if (cancelRequested) return { state: "cancelled", error: { type: "cancelled", message: "cancelled through the API while its worker was reconnecting" } };
  return { state: "failed", error: { type: "worker_lost", message: `no worker claimed the job within ${ORPHAN_GRACE_MS / 1000} s of the IO engine's restart` } };
}
