/**
 * Which devices each worker of a GPU pool holds (SPEC §11), decided once at start from the
 * config and the devices NVML found (pure).
 *
 * Per pool with `gpus`, its devices D (n of them, in the order the pool lists them; "all" is
 * every device in NVML's order) and its share g = gpus_per_worker:
 *   NVML unusable                  → "config: pools[i].gpus: no GPU can be used: <reason>"
 *   a device that does not exist    → refused, naming the devices that do
 *   a device listed twice           → refused
 *   g whole, n not a multiple of g  → refused (a worker cannot hold part of its g devices)
 *   g whole                         → n / g slots; worker w holds D[w·g .. w·g + g)
 *   g = 1/k                         → n · k slots; worker w holds D[w mod n], so workers fill
 *                                     the devices round-robin and a smaller pool spreads out
 *   size not given (size_from gpus) → size = slots
 *   size given, > slots             → refused; fewer workers than slots leave slots unused
 * Across pools a device holds at most 1: a worker of share g ≥ 1 takes all of each device it
 * holds, one of share 1/k takes 1/k. A pool whose workers would push a device past 1 is
 * refused, naming the pools that hold it already (disjoint devices keep kinds of work apart).
 *
 * Worker w of a pool is the process with id `<pool>-<w>`; ids survive restarts, so its devices
 * do: the supervisor spawns each with gpuEnv(its devices) added to its environment.
 */
import type { PoolConfig } from "../../config/schema.ts";
import type { GpuRef } from "../../protocol/gpu-sample.ts";

export type GpuPoolSpec = Pick<PoolConfig, "name" | "gpus" | "gpus_per_worker" | "size" | "size_from">;
export type Discovery = { devices: readonly GpuRef[] } | { reason: string };
/** A GPU pool's size and the devices of each of its workers, by worker number. */
export type PoolDevices = { size: number; workers: GpuRef[][] };
export type Assignment = { ok: true; pools: Map<string, PoolDevices> } | { ok: false; problems: string[] };

/** What a device's holders may add up to; a third of a device three times is still one. */
const FULL = 1 + 1e-6;

/** Every GPU pool's workers and their devices, or every problem at once (config order). */
export function assignGpus(pools: readonly GpuPoolSpec[], found: Discovery): Assignment {
  const problems: string[] = [];
  const assigned = new Map<string, PoolDevices>();
  const holders = new Map<string, { pool: string; share: number }[]>();
  pools.forEach((pool, i) => {
    if (pool.gpus === undefined) return;
    if ("reason" in found) return void problems.push(`config: pools[${i}].gpus: no GPU can be used: ${found.reason}`);
    const devices = resolve(pool, i, found.devices, problems);
    if (!devices) return;
    const result = workersOf(pool, i, devices, problems);
    if (!result) return;
    const claimed = claim(pool, i, result.workers, holders, problems);
    if (claimed) assigned.set(pool.name, result);
  });
  return problems.length ? { ok: false, problems } : { ok: true, pools: assigned };
}

/** The environment a worker holding `devices` gets: CUDA sees only them, by UUID; GAIA_GPUS is ctx.gpus. */
export function gpuEnv(devices: readonly GpuRef[]): Record<string, string> {
  return {
    CUDA_VISIBLE_DEVICES: devices.map((d) => d.uuid).join(","),
    GAIA_GPUS: JSON.stringify(devices.map(({ index, uuid, name }) => ({ index, uuid, name }))),
  };
}

const named = (d: GpuRef) => `${d.index} (${d.uuid})`;

function resolve(pool: GpuPoolSpec, i: number, all: readonly GpuRef[], problems: string[]): GpuRef[] | null {
  if (pool.gpus === "all") return [...all];
  const devices: GpuRef[] = [];
  let ok = true;
  pool.gpus!.forEach((ref, j) => {
    const device = typeof ref === "number" ? all.find((d) => d.index === ref) : all.find((d) => d.uuid.toLowerCase() === ref.toLowerCase());
    if (!device) {
      problems.push(`config: pools[${i}].gpus[${j}]: no device ${ref} on this host; it has ${all.map(named).join(", ")}`);
      ok = false;
    } else if (devices.includes(device)) {
      problems.push(`config: pools[${i}].gpus[${j}]: device ${named(device)} is listed twice`);
      ok = false;
    } else devices.push(device);
  });
  return ok ? devices : null;
}

function workersOf(pool: GpuPoolSpec, i: number, devices: GpuRef[], problems: string[]): PoolDevices | null {
  const g = pool.gpus_per_worker;
  const n = devices.length;
  if (g >= 1 && n % g !== 0) {
    problems.push(`config: pools[${i}].gpus_per_worker: ${g} devices per worker does not divide the pool's ${n} device(s); give it a multiple of ${g} devices`);
    return null;
  }
  const slots = g >= 1 ? n / g : n * Math.round(1 / g);
  const size = pool.size_from === "gpus" ? slots : pool.size;
  if (size > slots) {
    problems.push(`config: pools[${i}].size: ${size} workers, but the pool's ${n} device(s) at gpus_per_worker = ${g} make ${slots} slot(s); lower size or add devices`);
    return null;
  }
  const workers = Array.from({ length: size }, (_, w) => (g >= 1 ? devices.slice(w * g, w * g + g) : [devices[w % n]!]));
  return { size, workers };
}

/** Adds the pool's shares to each device's holders; false (and a problem) when one would pass 1. */
function claim(pool: GpuPoolSpec, i: number, workers: GpuRef[][], holders: Map<string, { pool: string; share: number }[]>, problems: string[]): boolean {
  const share = Math.min(1, pool.gpus_per_worker);
  const wants = new Map<string, { device: GpuRef; share: number }>();
  for (const device of workers.flat()) wants.set(device.uuid, { device, share: (wants.get(device.uuid)?.share ?? 0) + share });
  let ok = true;
  for (const [uuid, want] of wants) {
    const held = holders.get(uuid) ?? [];
    const total = held.reduce((sum, h) => sum + h.share, 0);
    if (total + want.share > FULL) {
      const by = held.map((h) => `pool "${h.pool}" holds ${round(h.share)}`).join(", ");
      problems.push(`config: pools[${i}].gpus: device ${named(want.device)} is taken: ${by}, and this pool's workers want ${round(want.share)} more; give the pools different devices, or lower their size or gpus_per_worker`);
      ok = false;
    }
  }
  if (ok) for (const [uuid, want] of wants) holders.set(uuid, [...(holders.get(uuid) ?? []), { pool: pool.name, share: want.share }]);
  return ok;
}

const round = (x: number) => String(Math.round(x * 1000) / 1000);
