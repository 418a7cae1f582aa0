import { describe, expect, test } from "bun:test";
import type { GpuDevice } from "../../protocol/gpu-sample.ts";
import { gpuKills, overLimit } from "./watchdog.ts";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const UUID0 = "GPU-11111111-2222-3333-4444-555555555555";
const UUID1 = "GPU-aaaaaaaa-2222-3333-4444-555555555555";

function gpu(index: number, uuid: string, processes: GpuDevice["processes"]): GpuDevice {
  return {
    index, uuid, name: "NVIDIA H200", memory_used_bytes: null, memory_total_bytes: null, memory_free_bytes: null,
    utilization_gpu_pct: null, utilization_memory_pct: null, temperature_c: null, power_w: null, fan_pct: null, processes,
  };
}

const train1 = { id: "train-1", pid: 4242, limitMb: 20 * 1024 };

describe("the GPU watchdog", () => {
  test("the spec's message, exactly", () => {
    const kills = gpuKills([gpu(0, UUID0, [{ pid: 4242, used_bytes: 21.3 * GIB }])], [train1]);
    expect(kills).toEqual([{
      workerId: "train-1", pid: 4242, gpu: { index: 0, uuid: UUID0, name: "NVIDIA H200" }, usedBytes: 21.3 * GIB,
      figures: `gpu 0 (${UUID0}): 21.3 GiB > limit 20 GiB`,
      message: `gpu 0 (${UUID0}): 21.3 GiB > limit 20 GiB; worker train-1 (pid 4242) was killed`,
    }]);
  });

  test("decision table", () => {
    const on = (used: number | null, worker = train1) => gpuKills([gpu(0, UUID0, [{ pid: 4242, used_bytes: used }])], [worker]).map((k) => k.figures);
    expect(on(19 * GIB)).toEqual([]); // under
    expect(on(20 * GIB)).toEqual([]); // at the limit is not over it
    expect(on(20 * GIB + 2 * MIB)).toEqual([`gpu 0 (${UUID0}): 20.001 GiB > limit 20 GiB`]); // just over (20.0019...): enough decimals to show it
    expect(on(20 * GIB + 1)).toEqual([`gpu 0 (${UUID0}): ${20 * GIB + 1} bytes > limit ${20 * GIB} bytes`]); // or bytes
    expect(on(null)).toEqual([]); // NVML gave no figure
    expect(on(100 * GIB, { ...train1, limitMb: 0 })).toEqual([]); // 0 is off
    expect(gpuKills([gpu(0, UUID0, [{ pid: 1, used_bytes: 100 * GIB }])], [train1])).toEqual([]); // another process
    expect(gpuKills([gpu(0, UUID0, null)], [train1])).toEqual([]); // no process list
  });

  test("the limit is per device; one kill per worker, naming the first device over it", () => {
    const two = [gpu(0, UUID0, [{ pid: 4242, used_bytes: 15 * GIB }]), gpu(1, UUID1, [{ pid: 4242, used_bytes: 15 * GIB }])];
    expect(gpuKills(two, [train1])).toEqual([]);
    const over = [gpu(0, UUID0, [{ pid: 4242, used_bytes: 25 * GIB }]), gpu(1, UUID1, [{ pid: 4242, used_bytes: 30 * GIB }, { pid: 5, used_bytes: 40 * GIB }])];
    const kills = gpuKills(over, [train1, { id: "infer-0", pid: 5, limitMb: 30 * 1024 }]);
    expect(kills.map((k) => k.message)).toEqual([
      `gpu 0 (${UUID0}): 25 GiB > limit 20 GiB; worker train-1 (pid 4242) was killed`,
      `gpu 1 (${UUID1}): 40 GiB > limit 30 GiB; worker infer-0 (pid 5) was killed`,
    ]);
  });

  test("figures in MiB below a limit of 1 GiB", () => {
    expect(overLimit(612 * MIB, 512)).toBe("612 MiB > limit 512 MiB");
    expect(overLimit(512.5 * MIB, 512)).toBe("512.5 MiB > limit 512 MiB");
    expect(overLimit(1.5 * GIB, 1024)).toBe("1.5 GiB > limit 1 GiB");
    expect(overLimit(21.39 * GIB, 20 * 1024 + 512)).toBe("21.3 GiB > limit 20.5 GiB"); // cut, not rounded up
    expect(overLimit(512.9 * MIB, 512)).toBe("512.9 MiB > limit 512 MiB");
  });
});
