/**
 * The GPU families of `GET /metrics` (SPEC §11), pure, from the GPU monitor's last sample:
 *   gaia_gpu_memory_used_bytes{gpu}, gaia_gpu_memory_total_bytes{gpu}, gaia_gpu_utilization_ratio{gpu},
 *   gaia_gpu_temperature_celsius{gpu}, gaia_gpu_power_watts{gpu}, gaia_worker_gpu_memory_bytes{worker}
 * `gpu` is the NVML index, as nvidia-smi numbers the devices. A figure NVML did not give is left
 * out rather than reported as 0. A worker's memory is what its process holds on all devices.
 * Without GPUs every family is still there, with no samples, so a dashboard's queries stay valid.
 */
import type { GpuDevice, GpuSample } from "../protocol/gpu-sample.ts";
import type { PidOwners } from "../io/gpu-views.ts";
import type { Family, Sample } from "./prometheus.ts";

type PerGpu = { name: string; help: string; value: (gpu: GpuDevice) => number | null };

const PER_GPU: PerGpu[] = [
  { name: "gaia_gpu_memory_used_bytes", help: "GPU memory in use on each device (NVML), in bytes.", value: (g) => g.memory_used_bytes },
  { name: "gaia_gpu_memory_total_bytes", help: "GPU memory of each device (NVML), in bytes.", value: (g) => g.memory_total_bytes },
  { name: "gaia_gpu_utilization_ratio", help: "Share of the last NVML sample period in which a kernel ran on each device (0-1).", value: (g) => (g.utilization_gpu_pct === null ? null : g.utilization_gpu_pct / 100) },
  { name: "gaia_gpu_temperature_celsius", help: "Temperature of each device's GPU die (NVML).", value: (g) => g.temperature_c },
  { name: "gaia_gpu_power_watts", help: "Power drawn by each device and its memory (NVML).", value: (g) => g.power_w },
];

export function gpuFamilies(sample: GpuSample, owners: PidOwners): Family[] {
  const families: Family[] = PER_GPU.map(({ name, help, value }) => ({
    name, help, type: "gauge",
    samples: sample.gpus.flatMap((gpu): Sample[] => {
      const v = value(gpu);
      return v === null ? [] : [{ labels: { gpu: String(gpu.index) }, value: v }];
    }),
  }));
  const byWorker = new Map<string, number>();
  for (const gpu of sample.gpus) {
    for (const p of gpu.processes ?? []) {
      const owner = owners.get(p.pid);
      if (owner && p.used_bytes !== null) byWorker.set(owner.id, (byWorker.get(owner.id) ?? 0) + p.used_bytes);
    }
  }
  families.push({
    name: "gaia_worker_gpu_memory_bytes", help: "GPU memory each worker's process holds, on all its devices (NVML's process list), in bytes.", type: "gauge",
    samples: [...byWorker].map(([worker, value]) => ({ labels: { worker }, value })),
  });
  return families;
}
