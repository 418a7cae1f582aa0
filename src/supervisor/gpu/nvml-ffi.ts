/**
 * The NVML entry points gaia calls, bound through bun:ffi, with the signatures and versions
 * of nvml.h (NVIDIA's header as go-nvml carries it, read 2026-07). Each one is bound on its
 * own: `dlopen` throws when any listed symbol is missing, and an older driver lacks the newer
 * versions, which are then tried in turn (nvmlInit_v2 → nvmlInit, ..._v3 → _v2 → v1).
 *
 * Structs are plain byte buffers read at the header's offsets (x86-64 and aarch64 alike:
 * `unsigned long long` is 8-aligned, so a 4-byte field before one is followed by 4 of padding):
 *   nvmlMemory_t         {u64 total; u64 free; u64 used}                        24 bytes
 *   nvmlMemory_v2_t      {u32 version; u64 total, reserved, free, used}         40 bytes
 *   nvmlUtilization_t    {u32 gpu; u32 memory}                                   8 bytes
 *   nvmlTemperature_v1_t {u32 version; i32 sensorType; i32 temperature}         12 bytes
 *   nvmlProcessInfo_v1_t {u32 pid; u64 usedGpuMemory}                           16 bytes
 *   nvmlProcessInfo_v2_t {u32 pid; u64 usedGpuMemory; u32 gpuInstanceId, computeInstanceId}
 *                                                                                24 bytes
 * `_v2` and `_v3` of nvmlDeviceGetComputeRunningProcesses both take nvmlProcessInfo_v2_t,
 * except R535 drivers, whose `_v3` wrote 32-byte entries (usedGpuCcProtectedMemory added)
 * without a version bump (XuehaiPan/nvitop#79, NVIDIA/go-nvml#75): nvml.ts learns the stride
 * from what the driver wrote.
 */
import { dlopen, FFIType, type FFIFunction } from "bun:ffi";

export const NVML_SUCCESS = 0;
export const NVML_ERROR_NOT_SUPPORTED = 3;
export const NVML_ERROR_INSUFFICIENT_SIZE = 7;
/** nvmlTemperatureSensors_t: the GPU die. */
export const NVML_TEMPERATURE_GPU = 0;
/** NVML_DEVICE_UUID_V2_BUFFER_SIZE and NVML_DEVICE_NAME_V2_BUFFER_SIZE. */
export const NVML_STRING_BUFFER = 96;
/** usedGpuMemory when the driver cannot tell (Windows WDDM): (unsigned long long)-1. */
export const NVML_VALUE_NOT_AVAILABLE = 0xffff_ffff_ffff_ffffn;
/** NVML_STRUCT_VERSION(Memory, 2) and (Temperature, 1): the size | version << 24. */
export const NVML_MEMORY_V2 = 40 | (2 << 24);
export const NVML_TEMPERATURE_V1 = 12 | (1 << 24);

const { ptr, u32, i32, cstring } = FFIType;
const SIGNATURES = {
  nvmlInit_v2: { args: [], returns: i32 },
  nvmlInit: { args: [], returns: i32 },
  nvmlShutdown: { args: [], returns: i32 },
  nvmlErrorString: { args: [i32], returns: cstring },
  nvmlDeviceGetCount_v2: { args: [ptr], returns: i32 },
  nvmlDeviceGetCount: { args: [ptr], returns: i32 },
  nvmlDeviceGetHandleByIndex_v2: { args: [u32, ptr], returns: i32 },
  nvmlDeviceGetHandleByIndex: { args: [u32, ptr], returns: i32 },
  nvmlDeviceGetIndex: { args: [ptr, ptr], returns: i32 },
  nvmlDeviceGetUUID: { args: [ptr, ptr, u32], returns: i32 },
  nvmlDeviceGetName: { args: [ptr, ptr, u32], returns: i32 },
  nvmlDeviceGetMemoryInfo_v2: { args: [ptr, ptr], returns: i32 },
  nvmlDeviceGetMemoryInfo: { args: [ptr, ptr], returns: i32 },
  nvmlDeviceGetUtilizationRates: { args: [ptr, ptr], returns: i32 },
  nvmlDeviceGetTemperature: { args: [ptr, i32, ptr], returns: i32 },
  nvmlDeviceGetTemperatureV: { args: [ptr, ptr], returns: i32 },
  nvmlDeviceGetPowerUsage: { args: [ptr, ptr], returns: i32 },
  nvmlDeviceGetFanSpeed: { args: [ptr, ptr], returns: i32 },
  nvmlDeviceGetComputeRunningProcesses_v3: { args: [ptr, ptr, ptr], returns: i32 },
  nvmlDeviceGetComputeRunningProcesses_v2: { args: [ptr, ptr, ptr], returns: i32 },
  nvmlDeviceGetComputeRunningProcesses: { args: [ptr, ptr, ptr], returns: i32 },
} satisfies Record<string, FFIFunction>;

type Name = keyof typeof SIGNATURES;
/** An NVML call: its arguments are numbers (values, handles) and buffers (out-parameters). */
type Call = (...args: (number | ArrayBufferView | null)[]) => number;

/** The entry points this library has; the process query with the entry size of its struct. */
export type NvmlCalls = {
  init: Call;
  shutdown: Call;
  errorString: (code: number) => string;
  count: Call;
  handle: Call;
  index: Call | null;
  uuid: Call;
  name: Call | null;
  memoryV2: Call | null;
  memory: Call | null;
  utilization: Call | null;
  temperature: Call | null;
  temperatureV: Call | null;
  power: Call | null;
  fan: Call | null;
  /** `_v3` or `_v2` (24-byte entries, or 32 on R535), else v1 (16-byte entries). */
  processes: { call: Call; version: "v3" | "v2" | "v1" } | null;
};

/** Binds the library at `path`; the reason when it cannot be opened or lacks what gaia needs. */
export function bindNvml(path: string): { ok: true; calls: NvmlCalls } | { ok: false; reason: string } {
  const bound = new Map<Name, Call>();
  let openError: string | null = null;
  for (const name of Object.keys(SIGNATURES) as Name[]) {
    try {
      const lib = dlopen(path, { [name]: SIGNATURES[name] });
      bound.set(name, lib.symbols[name] as unknown as Call);
    } catch (err) {
      const message = (err as Error).message;
      // A missing symbol is expected of older drivers; a library that cannot be opened is not.
      if (!/^Symbol ".*" not found/.test(message)) openError ??= message;
    }
  }
  const get = (name: Name) => bound.get(name) ?? null;
  const init = get("nvmlInit_v2") ?? get("nvmlInit");
  const count = get("nvmlDeviceGetCount_v2") ?? get("nvmlDeviceGetCount");
  const handle = get("nvmlDeviceGetHandleByIndex_v2") ?? get("nvmlDeviceGetHandleByIndex");
  const uuid = get("nvmlDeviceGetUUID");
  const shutdown = get("nvmlShutdown");
  const errorString = get("nvmlErrorString");
  if (!init || !count || !handle || !uuid || !shutdown || !errorString) {
    if (openError) return { ok: false, reason: `cannot load ${path}: ${openError}` };
    return { ok: false, reason: `${path} lacks nvmlInit, nvmlShutdown, nvmlErrorString, nvmlDeviceGetCount, nvmlDeviceGetHandleByIndex or nvmlDeviceGetUUID: is it NVIDIA's libnvidia-ml.so.1?` };
  }
  const v3 = get("nvmlDeviceGetComputeRunningProcesses_v3");
  const v2 = get("nvmlDeviceGetComputeRunningProcesses_v2");
  const v1 = get("nvmlDeviceGetComputeRunningProcesses");
  const processes = v3 ? { call: v3, version: "v3" as const } : v2 ? { call: v2, version: "v2" as const } : v1 ? { call: v1, version: "v1" as const } : null;
  return {
    ok: true,
    calls: {
      init, shutdown, count, handle, uuid,
      errorString: (code) => String((errorString as unknown as (code: number) => unknown)(code) ?? `NVML error ${code}`),
      index: get("nvmlDeviceGetIndex"),
      name: get("nvmlDeviceGetName"),
      memoryV2: get("nvmlDeviceGetMemoryInfo_v2"),
      memory: get("nvmlDeviceGetMemoryInfo"),
      utilization: get("nvmlDeviceGetUtilizationRates"),
      temperature: get("nvmlDeviceGetTemperature"),
      temperatureV: get("nvmlDeviceGetTemperatureV"),
      power: get("nvmlDeviceGetPowerUsage"),
      fan: get("nvmlDeviceGetFanSpeed"),
      processes,
    },
  };
}
