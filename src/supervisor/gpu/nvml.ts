/**
 * NVML, for real, through bun:ffi (SPEC §11): which GPUs this host has, and a sample of each.
 *
 *   no library found or openable  → { ok: false, reason: where it was looked for / the loader's error }
 *   nvmlInit fails                 → { ok: false, reason: nvmlErrorString's words and the code }
 *   no device                      → { ok: false, reason: "NVML sees no GPU ..." }
 *   otherwise                      → { ok: true, nvml } with one handle per device, kept open
 *
 * A figure NVML declines (NVML_ERROR_NOT_SUPPORTED for the fan of a passively cooled card,
 * anything else for a lost GPU) is null, never a made-up number. The calls are synchronous and
 * cost tens of microseconds each on a loaded driver; nvmlInit alone can take seconds on a host
 * without persistence mode, which is why the library is opened once and kept.
 */
import { findLibrary, type LookupDeps } from "./library-path.ts";
import { bindNvml, NVML_MEMORY_V2, NVML_STRING_BUFFER, NVML_SUCCESS, NVML_TEMPERATURE_GPU, NVML_TEMPERATURE_V1, type NvmlCalls } from "./nvml-ffi.ts";
import { readProcesses } from "./nvml-processes.ts";
import type { GpuDevice, GpuRef } from "../../protocol/gpu-sample.ts";

export const NVML_LIBRARY = "libnvidia-ml.so.1";

export type NvmlOpen = { ok: true; nvml: Nvml } | { ok: false; reason: string };

/** Opens NVML and finds its devices: GAIA_NVML_LIBRARY when set, else the driver's library. */
export function openNvml(env: Record<string, string | undefined> = process.env, deps?: LookupDeps): NvmlOpen {
  const lib = findLibrary(NVML_LIBRARY, { name: "GAIA_NVML_LIBRARY", value: env.GAIA_NVML_LIBRARY }, deps);
  if (!lib.ok) return lib;
  const bound = bindNvml(lib.path);
  if (!bound.ok) return bound;
  const calls = bound.calls;
  const rc = calls.init();
  if (rc !== NVML_SUCCESS) return { ok: false, reason: `nvmlInit failed: ${calls.errorString(rc)} (NVML error ${rc}, ${lib.path})` };
  const count = new Uint32Array(1);
  const counted = calls.count(count);
  if (counted !== NVML_SUCCESS || count[0] === 0) {
    calls.shutdown();
    const why = counted !== NVML_SUCCESS ? `nvmlDeviceGetCount failed: ${calls.errorString(counted)} (NVML error ${counted})` : "nvmlDeviceGetCount is 0";
    return { ok: false, reason: `NVML sees no GPU (${why}, ${lib.path})` };
  }
  const devices: Handle[] = [];
  const skipped: string[] = [];
  for (let i = 0; i < count[0]!; i++) {
    const device = openDevice(calls, i);
    if ("problem" in device) skipped.push(device.problem);
    else devices.push(device);
  }
  if (devices.length === 0) {
    calls.shutdown();
    return { ok: false, reason: `NVML sees no usable GPU: ${skipped.join("; ")}` };
  }
  return { ok: true, nvml: new Nvml(calls, lib.path, devices, skipped) };
}

type Handle = GpuRef & { handle: number };

function openDevice(calls: NvmlCalls, i: number): Handle | { problem: string } {
  const out = new BigUint64Array(1);
  const rc = calls.handle(i, out);
  if (rc !== NVML_SUCCESS) return { problem: `device ${i}: nvmlDeviceGetHandleByIndex failed: ${calls.errorString(rc)}` };
  const handle = Number(out[0]);
  const uuid = readString(calls.uuid, handle);
  if (uuid === null) return { problem: `device ${i}: nvmlDeviceGetUUID failed` };
  const index = readU32(calls.index, handle) ?? i;
  return { handle, index, uuid, name: (calls.name && readString(calls.name, handle)) ?? "unknown" };
}

export class Nvml {
  /** The devices as found at open, in NVML's order. */
  readonly devices: readonly GpuRef[];
  private closed = false;

  constructor(
    private readonly calls: NvmlCalls,
    /** The library's path, for messages. */
    readonly path: string,
    private readonly handles: readonly Handle[],
    /** Devices NVML counted that could not be used, each with why. */
    readonly skipped: readonly string[],
  ) {
    this.devices = handles.map(({ index, uuid, name }) => ({ index, uuid, name }));
  }

  /** Every figure of every device, read now. */
  sample(): GpuDevice[] {
    if (this.closed) throw new Error("Nvml.sample after close: open NVML again");
    return this.handles.map((d) => this.read(d));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.calls.shutdown();
  }

  private read(d: Handle): GpuDevice {
    const c = this.calls;
    const memory = readMemory(c, d.handle);
    const util = readPair(c.utilization, d.handle);
    const power = readU32(c.power, d.handle);
    return {
      index: d.index, uuid: d.uuid, name: d.name,
      memory_used_bytes: memory?.used ?? null,
      memory_total_bytes: memory?.total ?? null,
      memory_free_bytes: memory?.free ?? null,
      utilization_gpu_pct: util?.[0] ?? null,
      utilization_memory_pct: util?.[1] ?? null,
      temperature_c: readTemperature(c, d.handle),
      power_w: power === null ? null : power / 1000,
      fan_pct: readU32(c.fan, d.handle),
      processes: readProcesses(c, d.handle),
    };
  }
}

type Call = NonNullable<NvmlCalls["fan"]>;

function readU32(call: Call | null, handle: number): number | null {
  if (!call) return null;
  const out = new Uint32Array(1);
  return call(handle, out) === NVML_SUCCESS ? out[0]! : null;
}

function readPair(call: Call | null, handle: number): [number, number] | null {
  if (!call) return null;
  const out = new Uint32Array(2);
  return call(handle, out) === NVML_SUCCESS ? [out[0]!, out[1]!] : null;
}

function readString(call: Call, handle: number): string | null {
  const out = new Uint8Array(NVML_STRING_BUFFER);
  if (call(handle, out, out.length) !== NVML_SUCCESS) return null;
  const end = out.indexOf(0);
  return new TextDecoder().decode(out.subarray(0, end === -1 ? out.length : end));
}

/** nvmlMemory_v2_t where the driver has it (its `used` leaves out what the driver reserves, as nvidia-smi shows), else nvmlMemory_t. */
function readMemory(c: NvmlCalls, handle: number): { total: number; free: number; used: number } | null {
  if (c.memoryV2) {
    const out = new BigUint64Array(5);
    new Uint32Array(out.buffer)[0] = NVML_MEMORY_V2;
    if (c.memoryV2(handle, out) === NVML_SUCCESS) return { total: Number(out[1]), free: Number(out[3]), used: Number(out[4]) };
  }
  if (!c.memory) return null;
  const out = new BigUint64Array(3);
  return c.memory(handle, out) === NVML_SUCCESS ? { total: Number(out[0]), free: Number(out[1]), used: Number(out[2]) } : null;
}

/** nvmlDeviceGetTemperature (deprecated in the 13.0 header, still exported), else nvmlDeviceGetTemperatureV. */
function readTemperature(c: NvmlCalls, handle: number): number | null {
  if (c.temperature) {
    const out = new Uint32Array(1);
    if (c.temperature(handle, NVML_TEMPERATURE_GPU, out) === NVML_SUCCESS) return out[0]!;
  }
  if (!c.temperatureV) return null;
  const out = new Int32Array(3);
  out[0] = NVML_TEMPERATURE_V1;
  out[1] = NVML_TEMPERATURE_GPU;
  return c.temperatureV(handle, out) === NVML_SUCCESS ? out[2]! : null;
}
