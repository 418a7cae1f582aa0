import { describe, expect, test } from "bun:test";
import { jobsPerDevice, pickGpuWorker, type DeviceLoad, type GpuCandidate } from "./gpu-placement.ts";

const GIB = 1024 ** 3;
const w = (index: number, ...devices: string[]): GpuCandidate & { id: string } => ({ id: `train-${index}`, index, devices });
const load = (running: Record<string, number>, free: Record<string, number | null>): DeviceLoad => ({
  running: new Map(Object.entries(running)),
  freeBytes: new Map(Object.entries(free)),
});
const pick = (candidates: ReturnType<typeof w>[], l: DeviceLoad) => pickGpuWorker(candidates, l)?.id;

describe("least-loaded placement", () => {
  test("decision table", () => {
    const none = load({}, {});
    // no candidate: nobody
    expect(pick([], none)).toBeUndefined();
    // no GPUs anywhere: today's order (the first)
    expect(pick([w(3), w(1)], none)).toBe("train-3");
    // 1. fewest gaia jobs on its device
    expect(pick([w(0, "A"), w(1, "B")], load({ A: 1 }, { A: 70 * GIB, B: 10 * GIB }))).toBe("train-1");
    // 2. equal jobs: most free memory
    expect(pick([w(0, "A"), w(1, "B")], load({ A: 1, B: 1 }, { A: 10 * GIB, B: 70 * GIB }))).toBe("train-1");
    // 2. unknown free memory ranks after any known figure
    expect(pick([w(0, "A"), w(1, "B")], load({}, { A: null, B: 1 }))).toBe("train-1");
    expect(pick([w(0, "A"), w(1, "B")], load({}, { B: 1 }))).toBe("train-1");
    // 3. all equal: the lowest worker number, whatever the order of the candidates
    expect(pick([w(2, "A"), w(0, "B"), w(1, "C")], load({}, {}))).toBe("train-0");
    expect(pick([w(2, "A"), w(1, "A")], load({}, { A: 5 }))).toBe("train-1");
    // a worker without devices never beats one with devices
    expect(pick([w(0), w(1, "A")], load({ A: 3 }, {}))).toBe("train-1");
  });

  test("two workers sharing a device (gpus_per_worker = 0.5): the idle one on the quieter device", () => {
    // train-0 and train-2 share A, train-1 and train-3 share B; train-0 is busy on A.
    const running = jobsPerDevice([{ devices: ["A"] }]);
    expect(pick([w(1, "B"), w(2, "A"), w(3, "B")], { running, freeBytes: new Map([["A", 50 * GIB], ["B", 50 * GIB]]) })).toBe("train-1");
  });

  test("a worker with several devices counts as its busiest and its tightest", () => {
    const l = load({ A: 0, B: 2, C: 1, D: 1 }, { A: 90 * GIB, B: 90 * GIB, C: 10 * GIB, D: 20 * GIB });
    expect(pick([w(0, "A", "B"), w(1, "C", "D")], l)).toBe("train-1");
    const tight = load({}, { A: 90 * GIB, B: 5 * GIB, C: 10 * GIB, D: 20 * GIB });
    expect(pick([w(0, "A", "B"), w(1, "C", "D")], tight)).toBe("train-1");
    expect(pick([w(0, "A", "B"), w(1, "C", "D")], load({}, { A: 90 * GIB, B: null, C: 1, D: 1 }))).toBe("train-1");
  });

  test("jobs per device from the busy workers' devices", () => {
    expect(jobsPerDevice([{ devices: ["A"] }, { devices: ["A", "B"] }, { devices: [] }])).toEqual(new Map([["A", 2], ["B", 1]]));
  });
});
