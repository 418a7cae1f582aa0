import { describe, expect, test } from "bun:test";
import parse from "parse-prometheus-text-format";
import type { GpuDevice, GpuSample } from "../protocol/gpu-sample.ts";
import { gpuFamilies } from "../api/gpu-metrics.ts";
import { gpusBody, gpuStatus, type PidOwners } from "./gpu-views.ts";
import { render } from "../api/prometheus.ts";

const GIB = 1024 ** 3;
const AT = Date.UTC(2026, 11, 1, 12, 0, 0);
const H200: GpuDevice = {
  index: 0, uuid: "GPU-11111111-2222-3333-4444-555555555555", name: "NVIDIA H200",
  memory_used_bytes: 3 * GIB, memory_total_bytes: 141 * GIB, memory_free_bytes: 138 * GIB,
  utilization_gpu_pct: 37, utilization_memory_pct: 12, temperature_c: 41, power_w: 123.456, fan_pct: null,
  processes: [{ pid: 4242, used_bytes: 2 * GIB }, { pid: 77, used_bytes: GIB }, { pid: 88, used_bytes: null }],
};
const QUIET: GpuDevice = {
  ...H200, index: 1, uuid: "GPU-aaaaaaaa-2222-3333-4444-555555555555",
  memory_used_bytes: null, utilization_gpu_pct: null, temperature_c: null, power_w: null,
  processes: [{ pid: 4242, used_bytes: GIB }],
};
const SAMPLE: GpuSample = { at: AT, gpus: [H200, QUIET] };
const NONE: GpuSample = { at: AT, gpus: [], reason: "libnvidia-ml.so.1 not found (...)" };
const owners: PidOwners = new Map([[4242, { id: "train-0", pool: "train" }], [88, { id: "train-1", pool: "train" }]]);

describe("GET /v1/gpus", () => {
  test("every device with its figures and processes, each process with its gaia worker or null", () => {
    const body = gpusBody(SAMPLE, owners);
    expect(body.sampled_at).toBe("2026-12-01T12:00:00.000Z");
    expect(body.reason).toBeUndefined();
    expect(body.gpus[0]).toEqual({
      ...H200,
      processes: [
        { pid: 4242, used_bytes: 2 * GIB, worker: "train-0", pool: "train" },
        { pid: 77, used_bytes: GIB, worker: null, pool: null },
        { pid: 88, used_bytes: null, worker: "train-1", pool: "train" },
      ],
    });
    expect(body.gpus[1]).toMatchObject({ memory_used_bytes: null, fan_pct: null, processes: [{ pid: 4242, worker: "train-0" }] });
    expect(gpusBody({ at: AT, gpus: [{ ...H200, processes: null }] }, owners).gpus[0]!.processes).toBeNull();
  });

  test("no GPU: an empty list and the reason", () => {
    expect(gpusBody(NONE, owners)).toEqual({ sampled_at: "2026-12-01T12:00:00.000Z", gpus: [], reason: "libnvidia-ml.so.1 not found (...)" });
  });
});

describe("GET /v1/status", () => {
  test("the GPUs in brief, or why there are none", () => {
    expect(gpuStatus(SAMPLE)).toEqual({
      count: 2,
      devices: [
        { index: 0, name: "NVIDIA H200", memory_used_bytes: 3 * GIB, memory_total_bytes: 141 * GIB, utilization_gpu_pct: 37 },
        { index: 1, name: "NVIDIA H200", memory_used_bytes: null, memory_total_bytes: 141 * GIB, utilization_gpu_pct: null },
      ],
    });
    expect(gpuStatus(NONE)).toEqual({ count: 0, devices: [], reason: "libnvidia-ml.so.1 not found (...)" });
  });
});

describe("GPU metrics", () => {
  test("valid Prometheus text; a figure NVML did not give is left out, not 0", () => {
    const families = new Map(parse(render(gpuFamilies(SAMPLE, owners))).map((f) => [f.name, f]));
    const values = (name: string) => families.get(name)!.metrics.map((m) => [m.labels, Number(m.value)]);
    expect(values("gaia_gpu_memory_used_bytes")).toEqual([[{ gpu: "0" }, 3 * GIB]]);
    expect(values("gaia_gpu_memory_total_bytes")).toEqual([[{ gpu: "0" }, 141 * GIB], [{ gpu: "1" }, 141 * GIB]]);
    expect(values("gaia_gpu_utilization_ratio")).toEqual([[{ gpu: "0" }, 0.37]]);
    expect(values("gaia_gpu_temperature_celsius")).toEqual([[{ gpu: "0" }, 41]]);
    expect(values("gaia_gpu_power_watts")).toEqual([[{ gpu: "0" }, 123.456]]);
    // train-0 holds 2 GiB on gpu 0 and 1 GiB on gpu 1; pid 77 is not gaia's; train-1's figure is unknown.
    expect(values("gaia_worker_gpu_memory_bytes")).toEqual([[{ worker: "train-0" }, 3 * GIB]]);
    expect([...families.values()].every((f) => f.type === "GAUGE")).toBe(true);
  });

  test("without GPUs the families are there, empty", () => {
    const families = gpuFamilies(NONE, owners);
    expect(families.map((f) => f.name)).toEqual([
      "gaia_gpu_memory_used_bytes", "gaia_gpu_memory_total_bytes", "gaia_gpu_utilization_ratio",
      "gaia_gpu_temperature_celsius", "gaia_gpu_power_watts", "gaia_worker_gpu_memory_bytes",
    ]);
    expect(families.every((f) => f.samples.length === 0)).toBe(true);
    expect(() => parse(render(families))).not.toThrow();
  });
});
