/**
 * GPU sampling in the supervisor (SPEC §11): every `gpu.sample_ms`, one NVML sample of every
 * device, kept as the last sample, with each process's GPU memory by pid, and peaks for the
 * pids whose jobs are being measured (`usage.gpu_memory_peak_mb`).
 *
 *   no GPU (no library, init failed, no device) → no timer at all; last() says why
 *   GPUs                                         → a timer; each sample goes to onSample
 *                                                  (the GPU watchdog and the metrics hang off it)
 *
 * Peaks: `resetPeak(pid)` when a job starts on a worker, `peak(pid)` when it ends (peaks.ts
 * says what a peak is, and when it is null).
 */
import { openNvml } from "./nvml.ts";
import { GpuPeaks } from "../../gpu/peaks.ts";
import type { GpuDevice, GpuRef, GpuSample } from "../../protocol/gpu-sample.ts";

/** What the monitor reads: NVML (nvml.ts's Nvml), or anything with the same two methods. */
export type GpuSource = { readonly devices: readonly GpuRef[]; sample(): GpuDevice[]; close(): void };

export type MonitorOptions = {
  sampleMs: number;
  onSample?: (sample: GpuSample) => void;
  now?: () => number;
};

export class GpuMonitor {
  private latest: GpuSample;
  private byPid = new Map<number, number>();
  private readonly peaks = new GpuPeaks();
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly now: () => number;
  private readonly listeners: ((sample: GpuSample) => void)[] = [];

  /** Opens NVML (GAIA_NVML_LIBRARY, else the driver's library) and takes a first sample. */
  static open(options: MonitorOptions, env: Record<string, string | undefined> = process.env): GpuMonitor {
    const opened = openNvml(env);
    return new GpuMonitor(opened.ok ? opened.nvml : { reason: opened.reason }, options);
  }

  constructor(
    private readonly source: GpuSource | { reason: string },
    private readonly options: MonitorOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.latest = "reason" in source ? { at: this.now(), gpus: [], reason: source.reason } : this.read(source);
  }

  /** The devices found at open; empty without GPUs. */
  get devices(): readonly GpuRef[] {
    return "reason" in this.source ? [] : this.source.devices;
  }

  /** Why there are no GPUs, or null when there are. */
  get reason(): string | null {
    return "reason" in this.source ? this.source.reason : null;
  }

  /** Whether the timer runs (never without devices). */
  get sampling(): boolean {
    return this.timer !== null;
  }

  /** Starts the timer, only when there are devices. */
  start(): void {
    if (this.timer || "reason" in this.source) return;
    this.timer = setInterval(() => this.sampleNow(), this.options.sampleMs);
    // The supervisor lives for its children, not for this timer.
    this.timer.unref();
  }

  /** Stops the timer and closes NVML; last() keeps the last sample. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!("reason" in this.source)) this.source.close();
  }

  /** Samples now (the timer's tick), records it, and hands it to onSample. */
  sampleNow(): GpuSample {
    if ("reason" in this.source) return this.latest;
    this.latest = this.read(this.source);
    this.options.onSample?.(this.latest);
    for (const listen of this.listeners) listen(this.latest);
    return this.latest;
  }

  /** Calls `fn` with every sample from now on (the watchdog, the link to the IO engine). */
  subscribe(fn: (sample: GpuSample) => void): void {
    this.listeners.push(fn);
  }

  last(): GpuSample {
    return this.latest;
  }

  /** The GPU memory `pid` held in the last sample, summed over devices; null when no list named it. */
  memoryOf(pid: number): number | null {
    return this.byPid.get(pid) ?? null;
  }

  /** Starts (or starts over) measuring `pid`'s peak. */
  resetPeak(pid: number): void {
    this.peaks.reset(pid);
  }

  /** The most `pid` held since resetPeak; null when no sample since listed it or it was never reset. */
  peak(pid: number): number | null {
    return this.peaks.peak(pid);
  }

  /** Stops measuring `pid` (its worker exited). */
  forget(pid: number): void {
    this.peaks.forget(pid);
  }

  private read(source: GpuSource): GpuSample {
    const gpus = source.sample();
    // As processBytes: summed over devices; a pid listed only with unknown figures is left out.
    const byPid = new Map<number, number>();
    for (const gpu of gpus) for (const p of gpu.processes ?? []) if (p.used_bytes !== null) byPid.set(p.pid, (byPid.get(p.pid) ?? 0) + p.used_bytes);
    this.byPid = byPid;
    this.peaks.observe(gpus);
    return { at: this.now(), gpus };
  }
}
