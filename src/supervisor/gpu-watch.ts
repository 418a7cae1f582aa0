/**
 * GPUs in the supervisor (SPEC §11): NVML opened at start, each GPU pool's workers given their
 * devices (a config error, exit 2, when that cannot be done), and on every sample the GPU
 * memory watchdog and the IO engine told (it serves /v1/gpus, the metrics and the jobs'
 * peaks from the samples).
 */
import type { Config } from "../config/schema.ts";
import type { GpuRef, GpuSample } from "../protocol/gpu-sample.ts";
import type { Child } from "./child.ts";
import { assignGpus } from "./gpu/assign.ts";
import { GpuMonitor } from "./gpu/monitor.ts";
import { gpuKills } from "./gpu/watchdog.ts";
import type { LogStore } from "./logs.ts";

export type Gpus = { monitor: GpuMonitor; devicesOf(workerId: string): GpuRef[] };

/** Opens NVML and assigns devices; the config's problems, one line each, when it cannot. */
export function openGpus(config: Config): Gpus | string[] {
  const monitor = GpuMonitor.open({ sampleMs: config.gpu.sample_ms });
  const assigned = assignGpus(config.pools, monitor.reason !== null ? { reason: monitor.reason } : { devices: monitor.devices });
  if (!assigned.ok) return (monitor.stop(), assigned.problems);
  const devices = new Map<string, GpuRef[]>();
  for (const pool of config.pools) {
    const plan = assigned.pools.get(pool.name);
    if (!plan) continue;
    if (pool.size_from === "gpus") pool.size = plan.size;
    plan.workers.forEach((refs, i) => devices.set(`${pool.name}-${i}`, refs));
  }
  return { monitor, devicesOf: (workerId) => devices.get(workerId) ?? [] };
}

/** Starts sampling; every sample goes to the watchdog, then to `tell` (the IO engine). */
export function watchGpus(config: Config, gpus: Gpus, children: () => Iterable<Child>, logs: LogStore, tell: (sample: GpuSample) => void): () => void {
  const limits = new Map(config.pools.map((p) => [p.name, p.gpu_memory_limit_mb]));
  gpus.monitor.subscribe((sample) => {
    const live = [...children()].filter((c) => c.pid !== null && (c.state.kind === "ready" || c.state.kind === "starting") && (limits.get(c.spec.pool ?? "") ?? 0) > 0);
    const byId = new Map(live.map((c) => [c.spec.name, c]));
    for (const kill of gpuKills(sample.gpus, live.map((c) => ({ id: c.spec.name, pid: c.pid!, limitMb: limits.get(c.spec.pool!)! })))) {
      const child = byId.get(kill.workerId);
      if (!child || child.pid !== kill.pid) continue;
      logs.write("supervisor", `${child.spec.name} (pid ${kill.pid}): ${kill.figures}; killing it`, "error");
      void child.stop("gpu_memory", 0, kill.message);
    }
    tell(sample);
  });
  gpus.monitor.start();
  return () => gpus.monitor.stop();
}
