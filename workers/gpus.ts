/**
 * The GPUs this worker holds (SPEC §4, §11), as `ctx.gpus`: read once from GAIA_GPUS, which the
 * supervisor sets beside CUDA_VISIBLE_DEVICES (src/supervisor/gpu/assign.ts, gpuEnv). Without
 * it the worker holds no GPU and the list is empty. A value that is not gaia's JSON stops the
 * worker before its hello, so the pool's last_error says why, rather than tasks seeing a wrong list.
 */
import type { GpuInfo } from "./types.ts";

/** GAIA_GPUS as a frozen list (pure but for the value given). */
export function parseGpus(text: string | undefined): readonly GpuInfo[] {
  if (text === undefined || text === "") return Object.freeze([]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const ok = Array.isArray(value) && value.every((g) => typeof g?.index === "number" && typeof g?.uuid === "string" && typeof g?.name === "string");
  if (!ok) throw new Error(`GAIA_GPUS is not a JSON list of {index, uuid, name}: ${text.slice(0, 100)}; gaia sets it from the pool's gpus, so remove it from the pool's env`);
  return Object.freeze((value as GpuInfo[]).map(({ index, uuid, name }) => Object.freeze({ index, uuid, name })));
}

export const GPUS: readonly GpuInfo[] = parseGpus(process.env.GAIA_GPUS);
