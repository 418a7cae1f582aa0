/**
 * The compute processes on one device, with their GPU memory, from
 * nvmlDeviceGetComputeRunningProcesses (nvml-ffi.ts has the layouts).
 *
 * As nvml.h says: ask with a count of 0 to learn how many there are
 * (NVML_ERROR_INSUFFICIENT_SIZE, or NVML_SUCCESS when none run), then ask with room for that
 * many; a process that starts in between makes the second call INSUFFICIENT_SIZE again, so
 * the buffer grows to the count it reports, a few times at most.
 *
 * The buffer gives every entry 32 bytes and is filled with a sentinel first. Entries of the
 * `_v2`/`_v3` struct are 24 bytes, but R535 drivers wrote 32 (usedGpuCcProtectedMemory
 * appended, same symbol): what the driver wrote past count × 24 bytes tells which. The last
 * field of a 24-byte entry (computeInstanceId) is 0xFFFFFFFF outside MIG, and that of a
 * 32-byte one (protected memory) 0 outside confidential computing, so neither ends in the
 * sentinel (nvitop probes the same way: XuehaiPan/nvitop#226).
 */
import type { GpuProcess } from "../../protocol/gpu-sample.ts";
import { NVML_ERROR_INSUFFICIENT_SIZE, NVML_SUCCESS, NVML_VALUE_NOT_AVAILABLE, type NvmlCalls } from "./nvml-ffi.ts";

const SENTINEL = 0xaa;
const WIDEST_ENTRY = 32;
const TRIES = 4;

/** The entry size the driver used for `count` entries in `bytes` (pure). */
export function entryStride(bytes: Uint8Array, count: number, version: "v3" | "v2" | "v1"): 16 | 24 | 32 {
  if (version === "v1") return 16;
  let written = bytes.length;
  while (written > 0 && bytes[written - 1] === SENTINEL) written--;
  return written > count * 24 ? 32 : 24;
}

/** The entries of `bytes` as processes (pure): pid at 0, usedGpuMemory at 8, per entry. */
export function parseEntries(bytes: Uint8Array, count: number, stride: number): GpuProcess[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: GpuProcess[] = [];
  for (let i = 0; i < count; i++) {
    const used = view.getBigUint64(i * stride + 8, true);
    out.push({ pid: view.getUint32(i * stride, true), used_bytes: used === NVML_VALUE_NOT_AVAILABLE ? null : Number(used) });
  }
  return out;
}

/** The device's compute processes, or null when NVML cannot list them (not supported, no permission). */
export function readProcesses(calls: NvmlCalls, device: number): GpuProcess[] | null {
  const query = calls.processes;
  if (!query) return null;
  const count = new Uint32Array(1);
  let rc = query.call(device, count, null);
  if (rc === NVML_SUCCESS) return [];
  for (let tries = 0; tries < TRIES && rc === NVML_ERROR_INSUFFICIENT_SIZE; tries++) {
    const room = count[0]!;
    const bytes = new Uint8Array(Math.max(1, room) * WIDEST_ENTRY).fill(SENTINEL);
    rc = query.call(device, count, bytes);
    if (rc !== NVML_SUCCESS) continue;
    const n = Math.min(count[0]!, room);
    return parseEntries(bytes, n, entryStride(bytes, n, query.version));
  }
  return null;
}
