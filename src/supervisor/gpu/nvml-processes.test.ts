import { describe, expect, test } from "bun:test";
import { entryStride, parseEntries } from "./nvml-processes.ts";

/** `count` entries of `stride` bytes as a driver writes them, in a 32-per-entry buffer filled with the sentinel. */
function written(entries: { pid: number; used: bigint }[], stride: 16 | 24 | 32, room = entries.length): Uint8Array {
  const bytes = new Uint8Array(room * 32).fill(0xaa);
  const view = new DataView(bytes.buffer);
  entries.forEach((e, i) => {
    const at = i * stride;
    view.setUint32(at, e.pid, true);
    view.setUint32(at + 4, 0, true);
    view.setBigUint64(at + 8, e.used, true);
    if (stride >= 24) {
      view.setUint32(at + 16, 0xffffffff, true); // gpuInstanceId outside MIG
      view.setUint32(at + 20, 0xffffffff, true); // computeInstanceId outside MIG
    }
    if (stride === 32) view.setBigUint64(at + 24, 0n, true); // usedGpuCcProtectedMemory
  });
  return bytes;
}

const ENTRIES = [{ pid: 101, used: 1n << 30n }, { pid: 102, used: 5n }, { pid: 103, used: 0xffff_ffff_ffff_ffffn }];

describe("process entries", () => {
  test("decision table: which stride the driver used", () => {
    expect(entryStride(written(ENTRIES, 24), 3, "v3")).toBe(24);
    expect(entryStride(written(ENTRIES, 32), 3, "v3")).toBe(32); // R535's _v3
    expect(entryStride(written(ENTRIES, 24), 3, "v2")).toBe(24);
    expect(entryStride(written(ENTRIES, 16), 3, "v1")).toBe(16); // v1 has one layout
    expect(entryStride(written(ENTRIES.slice(0, 1), 32, 4), 1, "v3")).toBe(32); // more room than entries
    expect(entryStride(written([], 24, 1), 0, "v3")).toBe(24);
  });

  test("pid at 0, usedGpuMemory at 8, NVML_VALUE_NOT_AVAILABLE as null, at each stride", () => {
    for (const stride of [16, 24, 32] as const) {
      expect(parseEntries(written(ENTRIES, stride), 3, stride)).toEqual([
        { pid: 101, used_bytes: 2 ** 30 }, { pid: 102, used_bytes: 5 }, { pid: 103, used_bytes: null },
      ]);
    }
  });
});
