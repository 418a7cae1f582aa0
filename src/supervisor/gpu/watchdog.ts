/**
 * The GPU memory watchdog (SPEC §2, §11), pure: after each sample, every watched worker whose
 * process holds more than its pool's `gpu_memory_limit_mb` on a device (by NVML's process
 * list) is to be killed, with the figures its job's error carries:
 *
 *   "gpu 0 (GPU-…): 21.3 GiB > limit 20 GiB; worker train-1 (pid 4242) was killed"
 *
 *   limit 0                              → not watched
 *   pid not listed, or its figure null   → nothing (no number was read)
 *   used ≤ limit on every device         → nothing
 *   used > limit on some device          → one kill, naming the first such device
 * The limit is per device: a worker holding two devices may hold the limit on each. Every
 * device is looked at, not only the worker's own: a task may change CUDA_VISIBLE_DEVICES
 * before CUDA starts, and the memory it then holds elsewhere is its all the same.
 *
 * The caller (the supervisor, on the monitor's onSample) stops the worker with reason
 * `gpu_memory` and the message; the IO engine fails its job as `gpu_memory_limit_exceeded`;
 * it is a planned replacement, not a crash (as src/supervisor/memory-watch.ts for RAM).
 */
import type { GpuDevice, GpuRef } from "../../protocol/gpu-sample.ts";

export type WatchedWorker = { id: string; pid: number; limitMb: number };
export type GpuKill = { workerId: string; pid: number; gpu: GpuRef; usedBytes: number; figures: string; message: string };

const MIB = 1024 * 1024;

export function gpuKills(gpus: readonly GpuDevice[], workers: readonly WatchedWorker[]): GpuKill[] {
  const kills: GpuKill[] = [];
  for (const worker of workers) {
    if (worker.limitMb <= 0) continue;
    for (const gpu of gpus) {
      const used = gpu.processes?.find((p) => p.pid === worker.pid)?.used_bytes ?? null;
      if (used === null || used <= worker.limitMb * MIB) continue;
      const figures = `gpu ${gpu.index} (${gpu.uuid}): ${overLimit(used, worker.limitMb)}`;
      const { index, uuid, name } = gpu;
      kills.push({ workerId: worker.id, pid: worker.pid, gpu: { index, uuid, name }, usedBytes: used, figures, message: `${figures}; worker ${worker.id} (pid ${worker.pid}) was killed` });
      break;
    }
  }
  return kills;
}

/**
 * "21.3 GiB > limit 20 GiB" (GiB from a limit of 1 GiB up, MiB below), with as many decimals
 * (up to 3) as it takes for the figure to read larger than the limit, else in bytes. Figures
 * are cut, not rounded, so none reads larger than what NVML said.
 */
export function overLimit(usedBytes: number, limitMb: number): string {
  const [unit, per] = limitMb >= 1024 ? ["GiB", 1024 * MIB] : ["MiB", MIB];
  const limit = trim(((limitMb * MIB) / per).toFixed(3));
  for (let decimals = unit === "GiB" ? 1 : 0; decimals <= 3; decimals++) {
    const used = trim(floor(usedBytes / per, decimals));
    if (Number(used) > Number(limit)) return `${used} ${unit} > limit ${limit} ${unit}`;
  }
  return `${usedBytes} bytes > limit ${limitMb * MIB} bytes`;
}

function floor(x: number, decimals: number): string {
  const scale = 10 ** decimals;
  // The epsilon keeps 0.29 * 100 = 28.999999999999996 from cutting to 0.28.
  return (Math.floor(x * scale + 1e-9) / scale).toFixed(decimals);
}

/** "20.000" → "20", "21.30" → "21.3". */
const trim = (text: string) => (text.includes(".") ? text.replace(/\.?0+$/, "") : text);
