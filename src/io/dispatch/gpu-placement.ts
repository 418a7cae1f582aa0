/**
 * Least-loaded placement on GPUs (SPEC §11), pure: among the idle workers that can take a
 * job (they serve its task and have budget left; the caller decides that), which one gets it.
 *
 *   no candidate holds a device      → the first, as today's order has it
 *   otherwise, candidates with devices, ranked by
 *     1. the gaia jobs running on its device      fewest first
 *     2. the free memory of its device            most first; unknown (null) after every known
 *     3. its worker number (POOL-N's N)           lowest first, so equal loads always pick alike
 *   a candidate without devices ranks after every one with devices (a pool's workers either
 *   all hold devices or none do; this only keeps the answer defined)
 * A worker holding several devices counts as its busiest one (most jobs) and its tightest one
 * (least free memory): a job there runs on all of them.
 *
 * Running jobs per device come from the busy workers' devices (jobsPerDevice); free memory
 * from the last GPU sample (memory_free_bytes), null when NVML did not give it.
 */

export type GpuCandidate = {
  /** The worker's number in its pool: N of `POOL-N`. */
  index: number;
  /** The UUIDs of the devices it holds; empty for a worker without GPUs. */
  devices: readonly string[];
};

export type DeviceLoad = {
  /** Gaia jobs running per device UUID; a device not in the map runs none. */
  running: ReadonlyMap<string, number>;
  /** Free memory per device UUID in bytes, from the last sample; null or absent when unknown. */
  freeBytes: ReadonlyMap<string, number | null>;
};

/** The candidate that gets the job, or undefined when there is none. */
export function pickGpuWorker<C extends GpuCandidate>(candidates: readonly C[], load: DeviceLoad): C | undefined {
  if (!candidates.some((c) => c.devices.length > 0)) return candidates[0];
  let best: C | undefined;
  let bestKey: Key | undefined;
  for (const candidate of candidates) {
    const key = keyOf(candidate, load);
    if (bestKey === undefined || better(key, bestKey)) [best, bestKey] = [candidate, key];
  }
  return best;
}

/** Gaia jobs running per device, from the devices of the workers that run one. */
export function jobsPerDevice(busy: Iterable<{ devices: readonly string[] }>): Map<string, number> {
  const running = new Map<string, number>();
  for (const worker of busy) for (const uuid of worker.devices) running.set(uuid, (running.get(uuid) ?? 0) + 1);
  return running;
}

type Key = { gpu: boolean; jobs: number; free: number | null; index: number };

function keyOf(c: GpuCandidate, load: DeviceLoad): Key {
  if (c.devices.length === 0) return { gpu: false, jobs: 0, free: null, index: c.index };
  const jobs = Math.max(...c.devices.map((d) => load.running.get(d) ?? 0));
  const frees = c.devices.map((d) => load.freeBytes.get(d) ?? null);
  const free = frees.includes(null) ? null : Math.min(...(frees as number[]));
  return { gpu: true, jobs, free, index: c.index };
}

function better(a: Key, b: Key): boolean {
  if (a.gpu !== b.gpu) return a.gpu;
  if (a.jobs !== b.jobs) return a.jobs < b.jobs;
  if (a.free !== b.free) return b.free === null || (a.free !== null && a.free > b.free);
  return a.index < b.index;
}
