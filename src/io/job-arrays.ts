/**
 * What a job's life means for its arrays (SPEC §6), between the engine and the store: inputs
 * held from admission to the end, their paths in the `job` frame, a worker's outputs turned
 * into result arrays or removed, and an attempt's files swept when it did not succeed.
 */
import type { ErrorInfo, InputArray, Result } from "../protocol/messages.ts";
import type { ArrayStore } from "./array-store.ts";
import type { Job, JobState } from "./job.ts";

export type Outcome = { ok: true; value: unknown; arrays: Record<string, string> } | { ok: false; error: ErrorInfo };

export class JobArrays {
  constructor(private readonly store: ArrayStore) {}

  /** A new job: its inputs stay while it is queued or running. */
  accepted(job: Job): void {
    if (hasInputs(job)) this.store.hold(job.arrays);
  }

  /** Where the worker finds each input (held, so present); undefined for a job without any. */
  inputs(job: Job): Record<string, InputArray> | undefined {
    if (!hasInputs(job)) return undefined;
    const inputs: Record<string, InputArray> = {};
    for (const [key, name] of Object.entries(job.arrays)) {
      const row = this.store.get(name);
      if (row) inputs[key] = { name, path: this.store.path(name), dtype: row.dtype, shape: row.shape };
    }
    return inputs;
  }

  /** A worker's result, with its outputs adopted; a refusal of them fails the attempt instead. */
  outcome(job: Job, pid: number, result: Result): Outcome {
    if (!result.ok) {
      // A failure that still lists outputs (a value that could not be sent or stored) left
      // its files; a handler's exception did not (the worker removed them).
      if (result.arrays) this.store.discardOutputs(job.id);
      return { ok: false, error: result.error ?? { type: "Error", message: "the handler failed without an error" } };
    }
    const value = result.value ?? null;
    if (!result.arrays || Object.keys(result.arrays).length === 0) return { ok: true, value, arrays: {} };
    const adopted = this.store.adoptOutputs(job.id, job.attempts, pid, result.arrays);
    if (!("status" in adopted)) return { ok: true, value, arrays: adopted };
    this.store.discardOutputs(job.id);
    return { ok: false, error: { type: adopted.code, message: adopted.message } };
  }

  /**
   * An attempt failed. A killed worker could not remove the output files it had made (one
   * that reports an error removes its own): they go now, whatever comes next.
   */
  attemptFailed(job: Job, killed: boolean): void {
    if (killed) this.store.discardOutputs(job.id);
  }

  /** The job is terminal: its inputs are free; a cancelled one's worker was killed mid-job. */
  ended(job: Job, state: JobState): void {
    if (hasInputs(job)) this.store.release(job.arrays);
    if (state === "cancelled") this.store.discardOutputs(job.id);
  }
}

function hasInputs(job: Job): boolean {
  for (const _ in job.arrays) return true;
  return false;
}
