/** What the engine needs from outside it, and its phase (see engine.ts). */
import type { StopReason } from "../../protocol/reasons.ts";
import type { Job } from "../job.ts";

export type EngineHooks = {
  /** Ask the supervisor to kill a worker process; it reports the exit later. Pinned to the pid. */
  killWorker(workerId: string, pid: number, reason: StopReason): void;
  /** Ask the supervisor for a planned, graceful replacement (max_jobs_per_worker). */
  recycleWorker(workerId: string, pid: number): void;
  /** GPUs: free memory per device (placement), and a job's peak GPU memory (usage). */
  gpus?: { freeBytes: ReadonlyMap<string, number | null>; started(pid: number): void; ended(pid: number): number | undefined };
  log(line: string): void;
  /**
   * A cluster node (SPEC §13) gives a job that goes back to the queue (a retry) back to the
   * shared journal, for any node to take after its wait: true when it did, and took the job
   * out of this engine (cluster/engine-jobs.ts), which then does not wait out the retry itself.
   */
  release?(job: Job): boolean;
};

export type Phase = { kind: "holding" } | { kind: "serving" } | { kind: "draining" };
