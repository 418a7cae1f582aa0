import { describe, expect, test } from "bun:test";
import { GpuPeaks, peakMb } from "./peaks.ts";
import type { GpuDevice } from "../protocol/gpu-sample.ts";

const MIB = 1024 * 1024;
const gpu = (index: number, processes: GpuDevice["processes"]): GpuDevice => ({
  index, uuid: `GPU-${index}`, name: "NVIDIA H200", memory_used_bytes: null, memory_total_bytes: null, memory_free_bytes: null,
  utilization_gpu_pct: null, utilization_memory_pct: null, temperature_c: null, power_w: null, fan_pct: null, processes,
});

describe("GPU memory peaks", () => {
  test("decision table", () => {
    const peaks = new GpuPeaks();
    peaks.observe([gpu(0, [{ pid: 1, used_bytes: 900 * MIB }])]);
    expect(peaks.peak(1)).toBeNull(); // never reset
    peaks.reset(1);
    expect(peaks.peak(1)).toBeNull(); // no sample since the reset
    peaks.observe([gpu(0, [{ pid: 2, used_bytes: MIB }]), gpu(1, null)]);
    expect(peaks.peak(1)).toBeNull(); // samples that do not list it
    peaks.observe([gpu(0, [{ pid: 1, used_bytes: 300 * MIB }]), gpu(1, [{ pid: 1, used_bytes: 200 * MIB }])]);
    expect(peaks.peak(1)).toBe(500 * MIB); // summed over its devices
    peaks.observe([gpu(0, [{ pid: 1, used_bytes: 100 * MIB }])]);
    expect(peaks.peak(1)).toBe(500 * MIB); // the most, not the last
    peaks.observe([gpu(0, [{ pid: 1, used_bytes: null }])]);
    expect(peaks.peak(1)).toBe(500 * MIB); // an unknown figure changes nothing
    peaks.reset(1);
    expect(peaks.peak(1)).toBeNull(); // a new job starts over
    peaks.forget(1);
    peaks.observe([gpu(0, [{ pid: 1, used_bytes: MIB }])]);
    expect(peaks.peak(1)).toBeNull(); // forgotten
  });

  test("as usage.gpu_memory_peak_mb: whole MiB rounded down, or left out", () => {
    expect(peakMb(500 * MIB + MIB - 1)).toBe(500);
    expect(peakMb(0)).toBe(0);
    expect(peakMb(null)).toBeUndefined();
  });
});
