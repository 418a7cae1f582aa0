import { describe, expect, test } from "bun:test";
import { assignGpus, gpuEnv, type GpuPoolSpec } from "./assign.ts";
import type { GpuRef } from "../../protocol/gpu-sample.ts";

const gpu = (index: number): GpuRef => ({ index, uuid: `GPU-0000000${index}-aaaa-bbbb-cccc-dddddddddddd`, name: "NVIDIA H200" });
const FOUR = { devices: [gpu(0), gpu(1), gpu(2), gpu(3)] };
const pool = (fields: Partial<GpuPoolSpec> & { name?: string }): GpuPoolSpec => ({
  name: "train", gpus: "all", gpus_per_worker: 1, size: 0, size_from: "gpus", ...fields,
});

/** Each worker's device indexes, by pool. */
function layout(pools: GpuPoolSpec[], found: Parameters<typeof assignGpus>[1] = FOUR) {
  const result = assignGpus(pools, found);
  if (!result.ok) throw new Error(`expected an assignment, got:\n${result.problems.join("\n")}`);
  return Object.fromEntries([...result.pools].map(([name, p]) => [name, p.workers.map((w) => w.map((d) => d.index))]));
}

function problems(pools: GpuPoolSpec[], found: Parameters<typeof assignGpus>[1] = FOUR): string[] {
  const result = assignGpus(pools, found);
  if (result.ok) throw new Error("expected problems, got an assignment");
  return result.problems;
}

describe("devices per worker", () => {
  test("decision table", () => {
    // one device each, every device: size = 4
    expect(layout([pool({})])).toEqual({ train: [[0], [1], [2], [3]] });
    // two devices each: size = 2, consecutive devices
    expect(layout([pool({ gpus_per_worker: 2 })])).toEqual({ train: [[0, 1], [2, 3]] });
    // half a device each: two workers per device, round-robin, size = 8
    expect(layout([pool({ gpus: [0, 1], gpus_per_worker: 0.5 })])).toEqual({ train: [[0], [1], [0], [1]] });
    // a quarter of one device: four workers share it
    expect(layout([pool({ gpus: [2], gpus_per_worker: 0.25 })])).toEqual({ train: [[2], [2], [2], [2]] });
    // a size below the slots leaves slots free and spreads the workers out
    expect(layout([pool({ gpus: [0, 1], gpus_per_worker: 0.5, size: 2, size_from: "config" })])).toEqual({ train: [[0], [1]] });
    // the pool's own order, by index or UUID (any case)
    expect(layout([pool({ gpus: [3, gpu(1).uuid.toLowerCase(), "GPU-00000000-AAAA-BBBB-CCCC-DDDDDDDDDDDD"] })])).toEqual({ train: [[3], [1], [0]] });
    // pools without gpus are not GPU pools
    expect(layout([{ name: "cpu", gpus: undefined, gpus_per_worker: 1, size: 8, size_from: "cpus" }])).toEqual({});
  });

  test("the size: the slots (devices / gpus_per_worker) unless the config gave one", () => {
    const size = (spec: GpuPoolSpec) => {
      const result = assignGpus([spec], FOUR);
      return result.ok ? result.pools.get(spec.name)!.size : result.problems;
    };
    expect(size(pool({ gpus_per_worker: 0.5 }))).toBe(8);
    expect(size(pool({ gpus_per_worker: 4 }))).toBe(1);
    expect(size(pool({ gpus_per_worker: 0.5, size: 3, size_from: "config" }))).toBe(3);
  });

  test("pools with disjoint devices, and pools that share a device within its slots", () => {
    expect(layout([pool({ gpus: [0, 1] }), pool({ name: "infer", gpus: [2] })])).toEqual({ train: [[0], [1]], infer: [[2]] });
    const halves = [pool({ gpus: [0], gpus_per_worker: 0.5, size: 1, size_from: "config" }), pool({ name: "infer", gpus: [0], gpus_per_worker: 0.5, size: 1, size_from: "config" })];
    expect(layout(halves)).toEqual({ train: [[0]], infer: [[0]] });
    const thirds = ["a", "b", "c"].map((name) => pool({ name, gpus: [1], gpus_per_worker: 1 / 3, size: 1, size_from: "config" }));
    expect(layout(thirds)).toEqual({ a: [[1]], b: [[1]], c: [[1]] });
  });
});

describe("problems, one line each, all at once", () => {
  test("no usable NVML: every GPU pool says why (start exits 2)", () => {
    expect(problems([pool({}), { name: "cpu", gpus: undefined, gpus_per_worker: 1, size: 2, size_from: "config" }, pool({ name: "b" })], { reason: "libnvidia-ml.so.1 not found (...)" })).toEqual([
      "config: pools[0].gpus: no GPU can be used: libnvidia-ml.so.1 not found (...)",
      "config: pools[2].gpus: no GPU can be used: libnvidia-ml.so.1 not found (...)",
    ]);
  });

  test("a device that does not exist, by index or UUID, names those that do", () => {
    const two = { devices: [gpu(0), gpu(1)] };
    expect(problems([pool({ gpus: [0, 5, "GPU-ffffffff"] })], two)).toEqual([
      `config: pools[0].gpus[1]: no device 5 on this host; it has 0 (${gpu(0).uuid}), 1 (${gpu(1).uuid})`,
      `config: pools[0].gpus[2]: no device GPU-ffffffff on this host; it has 0 (${gpu(0).uuid}), 1 (${gpu(1).uuid})`,
    ]);
  });

  test("a device listed twice, even once by index and once by UUID", () => {
    expect(problems([pool({ gpus: [1, gpu(1).uuid] })])).toEqual([`config: pools[0].gpus[1]: device 1 (${gpu(1).uuid}) is listed twice`]);
  });

  test("whole devices per worker that do not divide the pool's devices", () => {
    expect(problems([pool({ gpus: [0, 1, 2], gpus_per_worker: 2 })])).toEqual([
      "config: pools[0].gpus_per_worker: 2 devices per worker does not divide the pool's 3 device(s); give it a multiple of 2 devices",
    ]);
  });

  test("a size beyond the slots", () => {
    expect(problems([pool({ gpus: [0], gpus_per_worker: 0.5, size: 3, size_from: "config" })])).toEqual([
      "config: pools[0].size: 3 workers, but the pool's 1 device(s) at gpus_per_worker = 0.5 make 2 slot(s); lower size or add devices",
    ]);
  });

  test("two pools claiming one device beyond its slots: the later one is refused, naming the holder", () => {
    expect(problems([pool({ gpus: [0, 1] }), pool({ name: "infer", gpus: [1, 2] })])).toEqual([
      `config: pools[1].gpus: device 1 (${gpu(1).uuid}) is taken: pool "train" holds 1, and this pool's workers want 1 more; give the pools different devices, or lower their size or gpus_per_worker`,
    ]);
    const halves = [pool({ gpus: [0], gpus_per_worker: 0.5 }), pool({ name: "infer", gpus: [0], gpus_per_worker: 0.5, size: 1, size_from: "config" })];
    expect(problems(halves)).toEqual([
      `config: pools[1].gpus: device 0 (${gpu(0).uuid}) is taken: pool "train" holds 1, and this pool's workers want 0.5 more; give the pools different devices, or lower their size or gpus_per_worker`,
    ]);
  });
});

describe("the environment of a worker", () => {
  test("CUDA sees only its devices, by UUID, in its order; GAIA_GPUS carries ctx.gpus", () => {
    expect(gpuEnv([gpu(2), gpu(0)])).toEqual({
      CUDA_VISIBLE_DEVICES: `${gpu(2).uuid},${gpu(0).uuid}`,
      GAIA_GPUS: JSON.stringify([{ index: 2, uuid: gpu(2).uuid, name: "NVIDIA H200" }, { index: 0, uuid: gpu(0).uuid, name: "NVIDIA H200" }]),
    });
  });
});
