/**
 * What gaia knows of its GPUs (SPEC §11): one sample of every device, read through NVML
 * (nvml.ts) by the supervisor's monitor (monitor.ts) and shown by /v1/gpus, the metrics, the
 * status and `gaia gpus`. The zod schemas let the sample cross a gaia socket (the lead's
 * typed supervisor → IO engine protocol) and be checked there like any other message.
 *
 * Every figure is nullable: NVML declines some queries per device (a passively cooled H200
 * has no fan; some virtualized setups list no processes), and gaia never shows a number it
 * did not read from the device. `processes` is null when the list could not be read, and
 * `[]` when it was read and no process holds the device.
 */
import { z } from "zod";

export const GpuProcess = z.object({
  pid: z.number().int(),
  /** GPU memory the process holds on this device, in bytes; null where NVML cannot tell (WDDM). */
  used_bytes: z.number().nullable(),
});

/** A device as gaia names it: the NVML index (what nvidia-smi shows), its UUID, its name. */
export const GpuRef = z.object({ index: z.number().int(), uuid: z.string(), name: z.string() });

export const GpuDevice = GpuRef.extend({
  memory_used_bytes: z.number().nullable(),
  memory_total_bytes: z.number().nullable(),
  memory_free_bytes: z.number().nullable(),
  /** Percent of the last sample period in which a kernel ran (0-100). */
  utilization_gpu_pct: z.number().nullable(),
  /** Percent of the last sample period in which device memory was read or written (0-100). */
  utilization_memory_pct: z.number().nullable(),
  temperature_c: z.number().nullable(),
  power_w: z.number().nullable(),
  fan_pct: z.number().nullable(),
  processes: z.array(GpuProcess).nullable(),
});

export const GpuSample = z.object({
  /** Epoch milliseconds of the reading. */
  at: z.number(),
  gpus: z.array(GpuDevice),
  /** Why there are no GPUs (no library, init failed, no device); absent when there are. */
  reason: z.string().optional(),
});

export type GpuProcess = z.infer<typeof GpuProcess>;
export type GpuRef = z.infer<typeof GpuRef>;
export type GpuDevice = z.infer<typeof GpuDevice>;
export type GpuSample = z.infer<typeof GpuSample>;

/** The bytes `pid` holds on every device of the sample, or null when no readable list names it. */
export function processBytes(gpus: readonly GpuDevice[], pid: number): number | null {
  let total: number | null = null;
  for (const gpu of gpus) {
    for (const p of gpu.processes ?? []) if (p.pid === pid && p.used_bytes !== null) total = (total ?? 0) + p.used_bytes;
  }
  return total;
}
