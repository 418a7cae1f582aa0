/**
 * Bun tasks that use a GPU through the CUDA driver API (libcuda.so.1, bun:ffi), for the
 * device check on a machine with a GPU (test/gpu/device-check.sh). Signatures from cuda.h:
 *   CUresult cuInit(unsigned int Flags)
 *   CUresult cuDeviceGetCount(int *count)
 *   CUresult cuDeviceGet(CUdevice *device, int ordinal)                 CUdevice is an int
 *   CUresult cuDeviceGetUuid_v2(CUuuid *uuid, CUdevice dev)             CUuuid is 16 bytes
 *   CUresult cuCtxCreate_v2(CUcontext *pctx, unsigned int flags, CUdevice dev)
 *   CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize)          CUdeviceptr: unsigned long long
 *   CUresult cuMemFree_v2(CUdeviceptr dptr)
 *   CUresult cuCtxDestroy_v2(CUcontext ctx)
 *   CUresult cuGetErrorName(CUresult error, const char **pStr)
 * libcuda is found as NVML is (src/supervisor/gpu/library-path.ts; GAIA_CUDA_LIBRARY overrides).
 */
import { CString, dlopen, FFIType, type FFIFunction } from "bun:ffi";
import { findLibrary } from "../../src/supervisor/gpu/library-path.ts";
import type { TaskContext } from "../../workers/types.ts";

const { ptr, i32, u32, u64 } = FFIType;
const SIGNATURES = {
  cuInit: { args: [u32], returns: i32 },
  cuDeviceGetCount: { args: [ptr], returns: i32 },
  cuDeviceGet: { args: [ptr, i32], returns: i32 },
  cuDeviceGetUuid_v2: { args: [ptr, i32], returns: i32 },
  cuDeviceGetUuid: { args: [ptr, i32], returns: i32 },
  cuCtxCreate_v2: { args: [ptr, u32, i32], returns: i32 },
  cuCtxDestroy_v2: { args: [ptr], returns: i32 },
  cuMemAlloc_v2: { args: [ptr, u64], returns: i32 },
  cuMemFree_v2: { args: [u64], returns: i32 },
  cuGetErrorName: { args: [i32, ptr], returns: i32 },
} satisfies Record<string, FFIFunction>;
type Name = keyof typeof SIGNATURES;
type Call = (...args: (number | bigint | ArrayBufferView)[]) => number;

let cuda: Map<Name, Call> | undefined;

/** Binds each entry point on its own (dlopen throws on a missing symbol: cuDeviceGetUuid_v2 is CUDA 11.4+). */
function lib(): Map<Name, Call> {
  if (cuda) return cuda;
  const found = findLibrary("libcuda.so.1", { name: "GAIA_CUDA_LIBRARY", value: process.env.GAIA_CUDA_LIBRARY });
  if (!found.ok) throw new Error(found.reason);
  const bound = new Map<Name, Call>();
  for (const name of Object.keys(SIGNATURES) as Name[]) {
    try {
      bound.set(name, dlopen(found.path, { [name]: SIGNATURES[name] }).symbols[name] as unknown as Call);
    } catch {}
  }
  cuda = bound;
  check("cuInit", call("cuInit", 0));
  return bound;
}

function call(name: Name, ...args: (number | bigint | ArrayBufferView)[]): number {
  const fn = lib().get(name);
  if (!fn) throw new Error(`libcuda has no ${name}`);
  return fn(...args);
}

function check(what: string, rc: number): void {
  if (rc === 0) return;
  const out = new BigUint64Array(1);
  const named = cuda?.get("cuGetErrorName")?.(rc, out) === 0 && out[0] ? new CString(Number(out[0])).toString() : `CUresult ${rc}`;
  throw new Error(`${what} failed: ${named} (${rc})`);
}

/** The 16 bytes of a CUuuid as nvidia-smi writes them: GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx. */
export function uuidText(bytes: Uint8Array): string {
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `GPU-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function devices(): string[] {
  const count = new Int32Array(1);
  check("cuDeviceGetCount", call("cuDeviceGetCount", count));
  const uuids: string[] = [];
  for (let i = 0; i < count[0]!; i++) {
    const device = new Int32Array(1);
    check("cuDeviceGet", call("cuDeviceGet", device, i));
    const uuid = new Uint8Array(16);
    const getUuid: Name = lib().has("cuDeviceGetUuid_v2") ? "cuDeviceGetUuid_v2" : "cuDeviceGetUuid";
    check(getUuid, call(getUuid, uuid, device[0]!));
    uuids.push(uuidText(uuid));
  }
  return uuids;
}

export const tasks = {
  /** What CUDA sees in this worker, beside what gaia says it holds; waits `hold_ms` so that jobs spread over workers. */
  "cuda.devices": async (p: { hold_ms?: number } | null, ctx: TaskContext) => {
    const seen = devices();
    await Bun.sleep(p?.hold_ms ?? 0);
    return { pid: process.pid, cuda_devices: seen, ctx_gpus: ctx.gpus, cuda_visible_devices: process.env.CUDA_VISIBLE_DEVICES ?? null };
  },

  /** Makes a context on CUDA device 0, allocates `mb` MiB there, holds it `hold_ms`, frees it. */
  "cuda.alloc": async (p: { mb: number; hold_ms: number }, _ctx: TaskContext) => {
    const device = new Int32Array(1);
    check("cuDeviceGet", call("cuDeviceGet", device, 0));
    const context = new BigUint64Array(1);
    check("cuCtxCreate_v2", call("cuCtxCreate_v2", context, 0, device[0]!));
    const memory = new BigUint64Array(1);
    try {
      check("cuMemAlloc_v2", call("cuMemAlloc_v2", memory, BigInt(p.mb) * 1024n * 1024n));
      await Bun.sleep(p.hold_ms);
      check("cuMemFree_v2", call("cuMemFree_v2", memory[0]!));
    } finally {
      // Bun runs a task's awaits on the thread that made the context, where it is current.
      call("cuCtxDestroy_v2", Number(context[0]));
    }
    return { pid: process.pid, allocated_mb: p.mb };
  },
};
