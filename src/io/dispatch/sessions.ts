/**
 * Session affinity (SPEC §4): jobs with a `session_id` go to the worker that holds that
 * session while it lives, so `ctx.session` sees what earlier jobs stored. When that worker
 * has died, the next job goes wherever it can, the session is bound anew, and the job is
 * told `session_reset` so the task knows its state starts over.
 */
import type { Job } from "../job.ts";
import type { PoolQueue } from "./pool-queue.ts";
import { takesWork, type WorkerEntry } from "./worker.ts";

/** Sessions remembered at most; the oldest binding is forgotten beyond it. */
const MAX_SESSIONS = 100_000;

type Binding = { workerId: string; pid: number };

export class Sessions {
  private readonly bindings = new Map<string, Binding>();

  /** The live worker that holds the job's session, if any. */
  holder(job: Job, pool: PoolQueue): WorkerEntry | undefined {
    if (job.session_id === null) return undefined;
    const binding = this.bindings.get(this.key(job));
    if (!binding) return undefined;
    for (const worker of pool.members) {
      if (worker.id === binding.workerId && worker.pid === binding.pid && takesWork(worker)) return worker;
    }
    return undefined;
  }

  /** Binds the job's session to `worker`; true when it was held by a worker now gone. */
  bind(job: Job, worker: WorkerEntry): boolean {
    if (job.session_id === null) return false;
    const key = this.key(job);
    const before = this.bindings.get(key);
    const reset = before !== undefined && (before.workerId !== worker.id || before.pid !== worker.pid);
    this.bindings.delete(key); // re-inserted last: the Map's order is least recently used first
    this.bindings.set(key, { workerId: worker.id, pid: worker.pid });
    if (this.bindings.size > MAX_SESSIONS) this.bindings.delete(this.bindings.keys().next().value!);
    return reset;
  }

  private key(job: Job): string {
    return `${job.pool}\u0000${job.session_id}`;
  }
}
