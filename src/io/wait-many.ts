/**
 * `POST /v1/jobs/wait` (SPEC §7) over any source of jobs and of waits: this engine's
 * (ops.ts), or a cluster node's, which also waits on the shared journal (cluster/cluster-ops.ts).
 *
 * The jobs among `ids` that have ended, as soon as one has (or, with `all`, once every one
 * has), or at `waitMs` whichever ended by then; and the ids still pending. One request
 * collects many ends, so a client that runs thousands of jobs needs neither a read per job
 * nor a poll.
 */
import type { WaitAnswer } from "../api/shapes/jobs.ts";
import { isTerminal, jobView, type Job, type JobView } from "./job.ts";
import { notFound } from "./refusal.ts";

/** `wait(id, ms, done)` calls `done(job)` at its end or `done(null)` after `ms`, and returns what stops it. */
export type WaitOne = (id: string, ms: number, done: (job: Job | null) => void) => () => void;

export async function waitMany(found: ReadonlyMap<string, Job>, ids: string[], waitMs: number, all: boolean, wait: WaitOne): Promise<WaitAnswer> {
  const pending = new Map<string, Job>();
  const ended: JobView[] = [];
  for (const id of new Set(ids)) {
    const job = found.get(id);
    if (!job) throw notFound(`job '${id}'`);
    if (isTerminal(job.state)) ended.push(jobView(job));
    else pending.set(id, job);
  }
  if (pending.size > 0 && waitMs > 0 && (all || ended.length === 0)) {
    await new Promise<void>((resolve) => {
      const stops: (() => void)[] = [];
      let left = pending.size;
      let over = false;
      const done = (job: Job | null) => {
        if (over || (job && !pending.delete(job.id))) return;
        if (job) ended.push(jobView(job));
        if (job === null || !all || --left === 0) {
          over = true;
          for (const stop of stops) stop();
          resolve();
        }
      };
      for (const id of [...pending.keys()]) stops.push(wait(id, waitMs, done));
    });
  }
  return { jobs: ended, pending: [...pending.keys()] };
}
