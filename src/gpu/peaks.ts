/**
 * Per-pid GPU memory peaks for `usage.gpu_memory_peak_mb` (SPEC §5): `reset(pid)` when a job
 * starts on a worker, `observe(sample)` on every GPU sample, `peak(pid)` when the job ends.
 * Plain data in, plain data out, so it can live wherever the job's start and end are known:
 * the supervisor's monitor keeps one (monitor.ts), and the IO engine can keep its own on the
 * samples it is sent.
 *
 *   pid never reset                      → null
 *   no sample since the reset listed it  → null (a job shorter than a sample period, or one
 *                                          that made no CUDA context): gaia shows no figure
 *                                          it did not read
 *   otherwise                            → the most it held, summed over its devices
 */
import type { GpuDevice } from "../protocol/gpu-sample.ts";

export class GpuPeaks {
  private readonly peaks = new Map<number, number | null>();

  /** Starts (or starts over) measuring `pid`. */
  reset(pid: number): void {
    this.peaks.set(pid, null);
  }

  /** Takes in one sample: each measured pid's bytes, summed over devices, raise its peak. */
  observe(gpus: readonly GpuDevice[]): void {
    if (this.peaks.size === 0) return;
    const held = new Map<number, number>();
    for (const gpu of gpus) for (const p of gpu.processes ?? []) if (p.used_bytes !== null) held.set(p.pid, (held.get(p.pid) ?? 0) + p.used_bytes);
    for (const [pid, peak] of this.peaks) {
      const now = held.get(pid);
      if (now !== undefined) this.peaks.set(pid, Math.max(peak ?? 0, now));
    }
  }

  /** The most `pid` held since its reset, in bytes; null as above. */
  peak(pid: number): number | null {
    return this.peaks.get(pid) ?? null;
  }

  /** Stops measuring `pid` (its worker exited). */
  forget(pid: number): void {
    this.peaks.delete(pid);
  }
}

/** Bytes as the whole MiB that `usage.gpu_memory_peak_mb` carries (rounded down), or undefined to leave it out. */
export function peakMb(bytes: number | null): number | undefined {
  return bytes === null ? undefined : Math.floor(bytes / (1024 * 1024));
}
