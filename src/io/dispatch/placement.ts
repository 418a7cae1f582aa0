/**
 * Where a pool's head job goes. It reads the pool and the sessions; the only thing it changes
 * is a prefetch burst's mark on the worker it picks (PoolQueue.prefetchTarget).
 *
 *   its session's worker, while that worker lives  → there; ahead of time if it is busy, so a
 *                                                    session's jobs run in order on it
 *   else an idle worker                             → there, now; among GPU workers the
 *                                                    least loaded (gpu-placement.ts)
 *   else, while more jobs wait than the pool has
 *   workers                                         → ahead of time to a busy worker (prefetch)
 *   else                                            → it waits in the queue
 * No worker is given more jobs than its max_jobs_per_worker budget has left.
 * The last rule keeps a lone job from being held behind a long one while another worker is
 * about to be free.
 */
import type { Job } from "../job.ts";
import { jobsPerDevice, pickGpuWorker } from "./gpu-placement.ts";
import type { PoolQueue } from "./pool-queue.ts";
import type { Sessions } from "./sessions.ts";
import { currentJob, type WorkerEntry } from "./worker.ts";

export type Placement = { worker: WorkerEntry; ahead: boolean } | null;

/** Free memory per device UUID from the last GPU sample (null when unknown). */
export type FreeGpuMemory = () => ReadonlyMap<string, number | null>;

export function place(pool: PoolQueue, job: Job, sessions: Sessions, freeGpu?: FreeGpuMemory): Placement {
  const now = placeNow(pool, job, sessions, freeGpu);
  if (now) return now;
  const busy = pool.depth > pool.members.size ? pool.prefetchTarget() : undefined;
  return busy ? { worker: busy, ahead: true } : null;
}

/** The worker that would take the job now without prefetch, changing nothing (a dry run asks it too). */
export function placeNow(pool: PoolQueue, job: Job, sessions: Sessions, freeGpu?: FreeGpuMemory): Placement {
  const holder = sessions.holder(job, pool);
  if (holder && pool.hasBudget(holder)) return { worker: holder, ahead: !pool.idle.has(holder) };
  const idle = leastLoadedIdle(pool, job, freeGpu);
  return idle ? { worker: idle, ahead: false } : null;
}

/** An idle worker that serves the task: the first, or on GPUs the least loaded. */
function leastLoadedIdle(pool: PoolQueue, job: Job, freeGpu: FreeGpuMemory | undefined): WorkerEntry | undefined {
  let first: WorkerEntry | undefined;
  let gpu = false;
  for (const w of pool.idle) {
    if (!w.tasks.has(job.task)) continue;
    first ??= w;
    gpu ||= w.gpus.length > 0;
  }
  if (!first || !gpu || !freeGpu) return first;
  const candidates = [...pool.idle].filter((w) => w.tasks.has(job.task)).map((w) => ({ worker: w, index: workerNumber(w.id), devices: w.gpus.map((g) => g.uuid) }));
  const busy = [...pool.members].filter((w) => currentJob(w) !== null).map((w) => ({ devices: w.gpus.map((g) => g.uuid) }));
  return pickGpuWorker(candidates, { running: jobsPerDevice(busy), freeBytes: freeGpu() })?.worker;
}

const workerNumber = (id: string) => Number(/-(\d+)$/.exec(id)?.[1] ?? 0);
