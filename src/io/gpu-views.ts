/**
 * What the API shows of the GPUs (SPEC §7, §11), pure: the body of `GET /v1/gpus` and the
 * brief for `GET /v1/status`, both from the last sample of the supervisor's GPU monitor
 * (src/supervisor/gpu/monitor.ts) and the worker each pid belongs to.
 *
 * `GET /v1/gpus` → 200 with
 *   { sampled_at, gpus: [{ index, uuid, name, memory_used_bytes, memory_total_bytes,
 *     memory_free_bytes, utilization_gpu_pct, utilization_memory_pct, temperature_c, power_w,
 *     fan_pct, processes: [{ pid, used_bytes, worker, pool }] | null }], reason? }
 * `reason` is there exactly when `gpus` is empty (no library, init failed, no device). A figure
 * NVML did not give is null; `processes` is null when the list could not be read. `worker` and
 * `pool` are null for a process that is not one of gaia's.
 */
import type { GpuDevice, GpuProcess, GpuSample } from "../protocol/gpu-sample.ts";
import type { GpuStatus, Gpus } from "../api/shapes/system.ts";

/** The gaia worker a pid is, while it lives. */
export type PidOwner = { id: string; pool: string };
export type PidOwners = ReadonlyMap<number, PidOwner>;

export type GpuProcessView = GpuProcess & { worker: string | null; pool: string | null };
export type GpuView = Omit<GpuDevice, "processes"> & { processes: GpuProcessView[] | null };
/** The body of `GET /v1/gpus`, as the API's schema says (src/api/shapes/system.ts). */
export type GpusBody = Gpus;

export function gpusBody(sample: GpuSample, owners: PidOwners): GpusBody {
  const gpus = sample.gpus.map((gpu) => ({
    ...gpu,
    processes: gpu.processes?.map((p) => ({ ...p, worker: owners.get(p.pid)?.id ?? null, pool: owners.get(p.pid)?.pool ?? null })) ?? null,
  }));
  return { sampled_at: new Date(sample.at).toISOString(), gpus, ...(sample.reason !== undefined ? { reason: sample.reason } : {}) };
}

export type GpuBrief = Pick<GpuDevice, "index" | "name" | "memory_used_bytes" | "memory_total_bytes" | "utilization_gpu_pct">;
export type { GpuStatus };

/** The `gpus` field of `GET /v1/status`: how many, each in one line's worth, or why none. */
export function gpuStatus(sample: GpuSample): GpuStatus {
  const devices = sample.gpus.map(({ index, name, memory_used_bytes, memory_total_bytes, utilization_gpu_pct }) => ({ index, name, memory_used_bytes, memory_total_bytes, utilization_gpu_pct }));
  return { count: devices.length, devices, ...(sample.reason !== undefined ? { reason: sample.reason } : {}) };
}
