/**
 * Where a pool's head job goes. It reads the pool and the sessions; the only thing it changes
 * is a prefetch burst's mark on the worker it picks (PoolQueue.prefetchTarget).
 *
 *   its session's worker, while that worker lives  → there; ahead of time if it is busy, so a
 *                                                    session's jobs run in order on it
 *   else an idle worker                             → there, now
 *   else, while more jobs wait than the pool has
 *   workers                                         → ahead of time to a busy worker (prefetch)
 *   else                                            → it waits in the queue
 * No worker is given more jobs than its max_jobs_per_worker budget has left.
 * The last rule keeps a lone job from being held behind a long one while another worker is
 * about to be free.
 */
import type { Job } from "../job.ts";
import type { PoolQueue } from "./pool-queue.ts";
import type { Sessions } from "./sessions.ts";
import type { WorkerEntry } from "./worker.ts";

export type Placement = { worker: WorkerEntry; ahead: boolean } | null;

export function place(pool: PoolQueue, job: Job, sessions: Sessions): Placement {
  const holder = sessions.holder(job, pool);
  if (holder && pool.hasBudget(holder)) return { worker: holder, ahead: !pool.idle.has(holder) };
  for (const idle of pool.idle) if (idle.tasks.has(job.task)) return { worker: idle, ahead: false };
  const busy = pool.depth > pool.members.size ? pool.prefetchTarget() : undefined;
  return busy ? { worker: busy, ahead: true } : null;
}
