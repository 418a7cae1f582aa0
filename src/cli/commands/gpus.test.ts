import { describe, expect, test } from "bun:test";
import { formatGpus, type GpuRow } from "./gpus.ts";

const GIB = 1024 ** 3;
const h200: GpuRow = {
  index: 0, uuid: "GPU-11111111-2222-3333-4444-555555555555", name: "NVIDIA H200",
  memory_used_bytes: 3 * GIB, memory_total_bytes: 141 * GIB, utilization_gpu_pct: 37, temperature_c: 41, power_w: 123.456, fan_pct: null,
  processes: [{ pid: 4242, used_bytes: 2 * GIB, worker: "train-0", pool: "train" }, { pid: 77, used_bytes: null, worker: null, pool: null }],
};
const quiet: GpuRow = { ...h200, index: 1, uuid: "GPU-aaaaaaaa-2222-3333-4444-555555555555", memory_used_bytes: null, utilization_gpu_pct: null, temperature_c: null, power_w: null, fan_pct: 30, processes: null };

describe("gaia gpus", () => {
  test("a line per device, then a line per process with its worker; what NVML did not give is '-'", () => {
    expect(formatGpus({ gpus: [h200, quiet] })).toBe([
      "GPU  NAME          MEMORY GIB  UTIL  TEMP  POWER  FAN  PROCESSES  UUID",
      "  0  NVIDIA H200  3.0 / 141.0   37%  41 C  123 W    -          2  GPU-11111111-2222-3333-4444-555555555555",
      "  1  NVIDIA H200    - / 141.0     -     -      -  30%          -  GPU-aaaaaaaa-2222-3333-4444-555555555555",
      "",
      "GPU   PID  WORKER   POOL   GPU MEMORY GIB",
      "  0  4242  train-0  train             2.0",
      "  0    77  -        -                   -",
    ].join("\n"));
  });

  test("devices without processes say so; no GPU says why", () => {
    expect(formatGpus({ gpus: [{ ...h200, processes: [] }] })).toEndWith("\n\nno processes on the GPUs");
    expect(formatGpus({ gpus: [], reason: "nvmlInit failed: Driver Not Loaded (NVML error 9, /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1)" })).toBe(
      "no GPUs: nvmlInit failed: Driver Not Loaded (NVML error 9, /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1)",
    );
  });
});
