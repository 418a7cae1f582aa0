/**
 * A worker's result, and what follows it for the job and the worker. A result is applied at
 * most once per job and attempt (the attempt it names must be the job's), and only when it
 * is the worker's current job, or a job whose result this worker is known to hold: sent again
 * after an engine restart (`claimed`), or run in a burst before it was taken back. Every
 * result is acknowledged after the next commit, applied or not (acks.ts).
 *
 * Then the worker: the next job sent ahead to it, or idle; its end if it was being stopped
 * or has done its max_jobs_per_worker.
 */
import type { Result } from "../../protocol/worker-messages.ts";
import type { Job } from "../job.ts";
import type { Engine } from "./engine.ts";
import { storable } from "./storable.ts";
import { currentJob, setState, takeAhead, type WorkerEntry } from "./worker.ts";

export class Completion {
  constructor(private readonly engine: Engine) {}

  /**
   * A result from `worker`; false when it settled nothing (it is then only acknowledged).
   * Applied at most once per job and attempt: the attempt it names must be the job's.
   */
  result(worker: WorkerEntry, received: Result): boolean {
    this.engine.acks.add(worker.conn, received.id);
    const result = storable(received);
    const job = this.engine.active.get(result.id);
    const running = currentJob(worker);
    if (job && running === job && job.attempts === result.attempt) {
      this.complete(worker, job, result);
      this.afterJob(worker);
      return true;
    }
    if (worker.state.kind === "finishing" && worker.state.jobId === result.id) {
      // The end of a job gaia had already settled otherwise: the worker is free again.
      setState(worker, { kind: "idle" }, this.engine.pools.get(worker.pool));
      this.engine.dispatch(worker.pool);
      return false;
    }
    if (!job) return false;
    const where = this.engine.places.get(job.id);
    // Sent again after an engine restart, or run in a burst before it was taken back: the
    // job has not started anywhere else, so this result is its end.
    const mine = (where?.kind === "claimed" && where.worker === worker) || (where?.kind === "queued" && this.engine.returned.get(job.id) === worker);
    const attemptFits = job.state === "queued" ? job.attempts + 1 === result.attempt : job.attempts === result.attempt;
    if (!mine || !attemptFits) return false;
    if (job.state === "queued") {
      this.engine.unqueue(job);
      job.attempts++;
      job.started_at = Date.now() - result.execution_ms;
      job.worker = { id: worker.id, pid: worker.pid };
      this.engine.ledger.transition(job, "running");
    }
    this.complete(worker, job, result);
    this.engine.dispatch(worker.pool);
    return true;
  }

  private complete(worker: WorkerEntry, job: Job, result: Result): void {
    this.engine.places.disarm(job.id);
    worker.jobsDone++;
    job.execution_ms = result.execution_ms;
    const gpuPeak = this.engine.hooks.gpus?.ended(worker.pid);
    job.usage = gpuPeak === undefined ? result.usage : { ...result.usage, gpu_memory_peak_mb: gpuPeak };
    const outcome = this.engine.jobArrays.outcome(job, worker.pid, result);
    if (outcome.ok) {
      job.result = outcome.value;
      job.result_arrays = outcome.arrays;
      job.error = null;
      this.engine.finish(job, "succeeded");
    } else this.engine.fail(job, "error", outcome.error);
  }

  /** After the worker's current job ended: the next one it holds, or idle, or its end. */
  private afterJob(worker: WorkerEntry): void {
    const pool = this.engine.pools.get(worker.pool);
    const s = worker.state;
    if (s.kind === "stopping") setState(worker, { kind: "stopping", why: s.why, job: null }, pool);
    else if (pool && pool.maxJobsPerWorker > 0 && worker.jobsDone >= pool.maxJobsPerWorker) this.retire(worker);
    else this.advance(worker);
    this.engine.dispatch(worker.pool);
  }

  private advance(worker: WorkerEntry): void {
    if (this.engine.draining) this.engine.returnAhead(worker); // nothing new starts while draining
    const ahead = takeAhead(worker);
    for (let next = ahead.shift(); next; next = ahead.shift()) {
      if (next.state !== "queued") continue;
      return this.engine.begin(next, worker, ahead);
    }
    setState(worker, { kind: "idle" }, this.engine.pools.get(worker.pool));
  }

  /** The worker did its max_jobs_per_worker: nothing more; the supervisor replaces it. */
  private retire(worker: WorkerEntry): void {
    this.engine.returnAhead(worker); // none, by PoolQueue.hasBudget; kept so a job can never be stranded
    worker.conn.send({ t: "drain" });
    setState(worker, { kind: "retiring" }, this.engine.pools.get(worker.pool));
    this.engine.hooks.recycleWorker(worker.id, worker.pid);
  }
}
