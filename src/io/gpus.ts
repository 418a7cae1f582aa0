/**
 * What the IO engine knows of the GPUs (SPEC §11): the last sample the supervisor sent (or
 * why there is none), each job's peak GPU memory from the samples taken while it ran, and
 * the free memory per device that least-loaded placement reads.
 */
import { GpuPeaks, peakMb } from "../gpu/peaks.ts";
import type { GpuSample } from "../protocol/gpu-sample.ts";
import type { Roster } from "./dispatch/roster.ts";

export class GpuState {
  sample: GpuSample = { at: Date.now(), gpus: [], reason: "the supervisor has not sent a GPU sample yet" };
  private readonly peaks = new GpuPeaks();
  private free = new Map<string, number | null>();

  update(sample: GpuSample): void {
    this.sample = sample;
    this.peaks.observe(sample.gpus);
    this.free = new Map(sample.gpus.map((g) => [g.uuid, g.memory_free_bytes]));
  }

  /** A job starts on the worker with this pid: its peak is measured from now. */
  started(pid: number): void {
    if (this.sample.gpus.length > 0) this.peaks.reset(pid);
  }

  /** The peak in MiB of the job that just ended on `pid`, or undefined when none was read. */
  ended(pid: number): number | undefined {
    const mb = peakMb(this.peaks.peak(pid));
    this.peaks.forget(pid);
    return mb;
  }

  get freeBytes(): ReadonlyMap<string, number | null> {
    return this.free;
  }

  /** Which gaia worker each pid is, for the views. */
  owners(roster: Roster): Map<number, { id: string; pool: string }> {
    const owners = new Map<number, { id: string; pool: string }>();
    for (const w of roster.workers.values()) owners.set(w.pid, { id: w.id, pool: w.pool });
    return owners;
  }
}
