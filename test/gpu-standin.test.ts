/**
 * NVML discovery and sampling through gaia's real code (src/supervisor/gpu/: the library
 * lookup, the bun:ffi bindings, the struct offsets, the process-list protocol, the monitor),
 * against a STAND-IN libnvidia-ml.so.1 (test/gpu/nvml-standin.c) compiled here with cc:
 * this machine has no GPU. Only what is below the dlopen is the stand-in's.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { GpuMonitor } from "../src/supervisor/gpu/monitor.ts";
import { openNvml, type Nvml } from "../src/supervisor/gpu/nvml.ts";
import type { GpuSample } from "../src/protocol/gpu-sample.ts";
import { device, gpuProcess, Standin, useStandinFile, type Variant } from "./helpers/nvml-standin.ts";

const GIB = 1024 ** 3;
const H200 = "GPU-11111111-2222-3333-4444-555555555555";
const A100 = "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
/** An H200 is passively cooled: NVML answers NOT_SUPPORTED for its fan. */
const h200 = device({ index: 0, uuid: H200, name: "NVIDIA H200", total: 141 * GIB, used: 3 * GIB, reserved: GIB / 2, util: [37, 12], temp: 41, power_mw: 123_456 });
/** A device that reads only its memory and fan. */
const sparse = device({ index: 1, uuid: A100, name: "NVIDIA A100 80GB PCIe", total: 80 * GIB, used: 0, fan: 30 });

const standin = new Standin();
const libs = {} as Record<Variant, string>;
const opened: Nvml[] = [];

beforeAll(() => {
  for (const variant of ["current", "r535", "old-driver", "nvml13"] as const) libs[variant] = standin.build(variant);
  useStandinFile(standin.file);
});
afterAll(() => {
  for (const nvml of opened) nvml.close();
  standin.remove();
});

function open(variant: Variant = "current"): Nvml {
  const result = openNvml({ GAIA_NVML_LIBRARY: libs[variant] });
  if (!result.ok) throw new Error(`expected NVML to open, got: ${result.reason}`);
  opened.push(result.nvml);
  return result.nvml;
}

describe("discovery", () => {
  test("each device's index, UUID and name, in NVML's order", () => {
    standin.write([h200, sparse]);
    expect(open().devices).toEqual([
      { index: 0, uuid: H200, name: "NVIDIA H200" },
      { index: 1, uuid: A100, name: "NVIDIA A100 80GB PCIe" },
    ]);
  });

  test("no library: where it was looked for; a relative override is refused", () => {
    expect(openNvml({ GAIA_NVML_LIBRARY: `${standin.dir}/missing/libnvidia-ml.so.1` })).toEqual({
      ok: false, reason: `GAIA_NVML_LIBRARY=${standin.dir}/missing/libnvidia-ml.so.1: no such file`,
    });
    const none = openNvml({}, { exists: () => false, ldconfig: () => "", arch: "x64" });
    expect(none).toMatchObject({ ok: false, reason: expect.stringMatching(/^libnvidia-ml\.so\.1 not found \(looked in ldconfig's cache and \/usr\/lib\/x86_64-linux-gnu, .*\/usr\/local\/nvidia\/lib64.*\); install the NVIDIA driver or set GAIA_NVML_LIBRARY to its path$/) });
    expect(openNvml({ GAIA_NVML_LIBRARY: "libnvidia-ml.so.1" })).toMatchObject({ ok: false, reason: expect.stringContaining("give an absolute path") });
  });

  test("a file that is not a library, or a library that is not NVML, says so", () => {
    standin.write([h200]);
    expect(openNvml({ GAIA_NVML_LIBRARY: standin.file })).toMatchObject({ ok: false, reason: expect.stringMatching(/^cannot load .*devices\.txt: /) });
    const cuda = standin.buildCuda();
    expect(openNvml({ GAIA_NVML_LIBRARY: cuda })).toEqual({
      ok: false, reason: `${cuda} lacks nvmlInit, nvmlShutdown, nvmlErrorString, nvmlDeviceGetCount, nvmlDeviceGetHandleByIndex or nvmlDeviceGetUUID: is it NVIDIA's libnvidia-ml.so.1?`,
    });
  });

  test("nvmlInit failing gives nvmlErrorString's words and the code", () => {
    standin.write(["init 9", h200]);
    expect(openNvml({ GAIA_NVML_LIBRARY: libs.current })).toEqual({ ok: false, reason: `nvmlInit failed: Driver Not Loaded (NVML error 9, ${libs.current})` });
  });

  test("zero devices is no GPU, with the reason", () => {
    standin.write(["# a driver that sees nothing"]);
    expect(openNvml({ GAIA_NVML_LIBRARY: libs.current })).toEqual({ ok: false, reason: `NVML sees no GPU (nvmlDeviceGetCount is 0, ${libs.current})` });
  });
});

describe("a sample", () => {
  test("every figure NVML gives, and null for each it declines (the H200's fan)", () => {
    standin.write([h200, sparse, gpuProcess(0, 4242, 2 * GIB), gpuProcess(0, 77, null)]);
    const [gpu0, gpu1] = open().sample();
    expect(gpu0).toEqual({
      index: 0, uuid: H200, name: "NVIDIA H200",
      // nvmlMemory_v2_t: used leaves out what the driver reserves (as nvidia-smi shows it).
      memory_used_bytes: 3 * GIB, memory_total_bytes: 141 * GIB, memory_free_bytes: 141 * GIB - 3 * GIB - GIB / 2,
      utilization_gpu_pct: 37, utilization_memory_pct: 12, temperature_c: 41, power_w: 123.456, fan_pct: null,
      processes: [{ pid: 4242, used_bytes: 2 * GIB }, { pid: 77, used_bytes: null }],
    });
    expect(gpu1).toMatchObject({ utilization_gpu_pct: null, utilization_memory_pct: null, temperature_c: null, power_w: null, fan_pct: 30, processes: [] });
  });

  test("per-process memory follows the device as the file changes", () => {
    const nvml = open();
    standin.write([h200, gpuProcess(0, 4242, GIB)]);
    expect(nvml.sample()[0]!.processes).toEqual([{ pid: 4242, used_bytes: GIB }]);
    standin.write([h200, gpuProcess(0, 4242, 5 * GIB), gpuProcess(0, 4343, 1024)]);
    expect(nvml.sample()[0]!.processes).toEqual([{ pid: 4242, used_bytes: 5 * GIB }, { pid: 4343, used_bytes: 1024 }]);
    standin.write([h200]);
    expect(nvml.sample()[0]!.processes).toEqual([]);
  });

  test("a process list NVML cannot give is null, not empty", () => {
    standin.write([h200, "processes device=0 unsupported"]);
    expect(open().sample()[0]!.processes).toBeNull();
  });

  test("processes that start between the count and the list grow the buffer", () => {
    const many = Array.from({ length: 40 }, (_, i) => gpuProcess(0, 1000 + i, (i + 1) * 1024));
    standin.write([h200, ...many, "race device=0 extra=3"]);
    const listed = open().sample()[0]!.processes!;
    expect(listed).toHaveLength(40);
    expect(listed[39]).toEqual({ pid: 1039, used_bytes: 40 * 1024 });
  });
});

describe("drivers gaia must cope with", () => {
  const lines = [h200, gpuProcess(0, 10, GIB), gpuProcess(0, 11, 2 * GIB), gpuProcess(0, 12, 3 * GIB)];
  const expected = [{ pid: 10, used_bytes: GIB }, { pid: 11, used_bytes: 2 * GIB }, { pid: 12, used_bytes: 3 * GIB }];

  test("R535's 32-byte process entries are read at their stride", () => {
    standin.write(lines);
    expect(open("r535").sample()[0]!.processes).toEqual(expected);
  });

  test("a driver without _v2/_v3: nvmlInit, v1 process entries and nvmlMemory_t (used counts the reserved part)", () => {
    standin.write(lines);
    const [gpu] = open("old-driver").sample();
    expect(gpu!.processes).toEqual(expected);
    expect(gpu).toMatchObject({ memory_used_bytes: 3 * GIB + GIB / 2, memory_total_bytes: 141 * GIB, temperature_c: 41 });
  });

  test("a driver without the deprecated nvmlDeviceGetTemperature: nvmlDeviceGetTemperatureV", () => {
    standin.write(lines);
    expect(open("nvml13").sample()[0]!.temperature_c).toBe(41);
  });
});

describe("the monitor", () => {
  test("samples on its timer, keeps each pid's memory and the peaks between reset and read", async () => {
    standin.write([h200, sparse, gpuProcess(0, 4242, GIB), gpuProcess(1, 4242, GIB)]);
    const samples: GpuSample[] = [];
    const monitor = GpuMonitor.open({ sampleMs: 100, onSample: (s) => samples.push(s) }, { GAIA_NVML_LIBRARY: libs.current });
    try {
      expect(monitor.reason).toBeNull();
      expect(monitor.devices.map((d) => d.index)).toEqual([0, 1]);
      expect(monitor.memoryOf(4242)).toBe(2 * GIB);
      monitor.resetPeak(4242);
      monitor.resetPeak(5555);
      monitor.start();
      standin.write([h200, sparse, gpuProcess(0, 4242, 6 * GIB), gpuProcess(1, 4242, GIB)]);
      await until("a sample with 7 GiB", () => monitor.memoryOf(4242) === 7 * GIB);
      standin.write([h200, sparse, gpuProcess(0, 4242, GIB)]);
      await until("a sample with 1 GiB", () => monitor.memoryOf(4242) === GIB);
      expect(monitor.peak(4242)).toBe(7 * GIB);
      // Never listed since its reset: no figure, rather than a made-up 0.
      expect(monitor.peak(5555)).toBeNull();
      monitor.resetPeak(4242);
      expect(monitor.peak(4242)).toBeNull();
      await until("a sample after the reset", () => monitor.peak(4242) === GIB);
      expect(samples.length).toBeGreaterThanOrEqual(3);
      expect(samples.at(-1)!.gpus).toHaveLength(2);
    } finally {
      monitor.stop();
    }
    const count = samples.length;
    await Bun.sleep(250);
    expect(samples.length).toBe(count);
  });

  test("without a GPU there is no timer, and the last sample says why", async () => {
    let calls = 0;
    const monitor = GpuMonitor.open({ sampleMs: 100, onSample: () => calls++ }, { GAIA_NVML_LIBRARY: `${standin.dir}/missing.so` });
    monitor.start();
    expect(monitor.sampling).toBe(false);
    expect(monitor.last()).toMatchObject({ gpus: [], reason: `GAIA_NVML_LIBRARY=${standin.dir}/missing.so: no such file` });
    await Bun.sleep(250);
    expect(calls).toBe(0);
    monitor.stop();
  });
});

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}
