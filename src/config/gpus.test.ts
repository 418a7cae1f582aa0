/**
 * The GPU keys of the config (SPEC §11): `[gpu] sample_ms`, and on pools `gpus`,
 * `gpus_per_worker` and `gpu_memory_limit_mb`. Which devices exist is checked at start
 * (src/supervisor/gpu/assign.ts); here only what the file alone can tell.
 */
import { describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { validateConfig } from "./load.ts";
import { isGpuShare } from "./schema.ts";

function problems(raw: unknown): string[] {
  const checked = validateConfig(raw);
  if (checked.ok) throw new Error(`expected problems, got a valid config for ${JSON.stringify(raw)}`);
  return checked.problems;
}

function valid(raw: unknown) {
  const checked = validateConfig(raw);
  if (!checked.ok) throw new Error(`expected a valid config, got:\n${checked.problems.join("\n")}`);
  return checked.config;
}

const pool = (keys: Record<string, unknown>) => ({ pools: [{ name: "train", ...keys }] });

describe("defaults", () => {
  test("a pool without gpus is what it was: no devices, one worker per CPU, share 1, no GPU limit", () => {
    const config = valid(pool({}));
    expect(config.gpu).toEqual({ sample_ms: 1000 });
    expect(config.pools[0]).toMatchObject({ size: availableParallelism(), size_from: "cpus", gpus_per_worker: 1, gpu_memory_limit_mb: 0 });
    expect(config.pools[0]!.gpus).toBeUndefined();
  });

  test("a size the file gives is kept and says so, with or without gpus", () => {
    expect(valid(pool({ size: 3 })).pools[0]).toMatchObject({ size: 3, size_from: "config" });
    expect(valid(pool({ size: 3, gpus: [0] })).pools[0]).toMatchObject({ size: 3, size_from: "config" });
  });

  test("a GPU pool without a size waits for start to count its slots (size 0 until then)", () => {
    expect(valid(pool({ gpus: "all" })).pools[0]).toMatchObject({ gpus: "all", size: 0, size_from: "gpus", gpus_per_worker: 1 });
  });
});

describe("gpus", () => {
  test.each([["all"], [[0]], [[0, 1, 2]], [["GPU-8f6c3c7e-1b2a-4c3d-9e8f-0123456789ab"]], [[1, "GPU-abc"]]])("%j names devices", (gpus) => {
    expect(valid(pool({ gpus })).pools[0]!.gpus as unknown).toEqual(gpus);
  });

  test("anything else is refused with what is expected", () => {
    expect(problems(pool({ gpus: "some" }))).toEqual(['config: pools[0].gpus: expected "all" or a list of device indexes and UUIDs such as [0, 1], got "some"']);
    expect(problems(pool({ gpus: 2 }))).toEqual(['config: pools[0].gpus: expected "all" or a list of device indexes and UUIDs such as [0, 1], got 2']);
    expect(problems(pool({ gpus: [] }))).toEqual(["config: pools[0].gpus: expected at least 1 item(s), got []"]);
    expect(problems(pool({ gpus: [-1] }))).toEqual(["config: pools[0].gpus[0]: expected an integer >= 0, got -1"]);
    expect(problems(pool({ gpus: [0, "cuda:1"] }))).toEqual([
      'config: pools[0].gpus[1]: expected a device index or a UUID such as "GPU-8f6c3c7e-…" (see nvidia-smi -L), got "cuda:1"',
    ]);
  });

  test("gaia sets CUDA_VISIBLE_DEVICES and GAIA_GPUS for a GPU pool, so its env may not", () => {
    expect(problems(pool({ gpus: [0], env: { CUDA_VISIBLE_DEVICES: "1", GAIA_GPUS: "[]" } })).sort()).toEqual([
      "config: pools[0].env.CUDA_VISIBLE_DEVICES: gaia sets CUDA_VISIBLE_DEVICES from the pool's gpus; remove it from env",
      "config: pools[0].env.GAIA_GPUS: gaia sets GAIA_GPUS from the pool's gpus; remove it from env",
    ]);
    // Without gpus gaia sets neither, and the pool's env is the user's to fill.
    expect(valid(pool({ env: { CUDA_VISIBLE_DEVICES: "" } })).pools[0]!.env).toEqual({ CUDA_VISIBLE_DEVICES: "" });
  });
});

describe("gpus_per_worker", () => {
  test.each([1, 2, 4, 0.5, 1 / 3, 0.3333, 0.25, 0.2, 0.125])("%p is a share", (share) => {
    expect(isGpuShare(share)).toBe(true);
    expect(valid(pool({ gpus: "all", gpus_per_worker: share })).pools[0]!.gpus_per_worker).toBe(share);
  });

  test.each([0.4, 0.75, 1.5, 0.333, 0.6])("%p is refused: no whole number of workers shares a device", (share) => {
    expect(isGpuShare(share)).toBe(false);
    expect(problems(pool({ gpus: "all", gpus_per_worker: share }))).toEqual([
      `config: pools[0].gpus_per_worker: expected a whole number >= 1, or 1/k such as 0.5, 0.25 or 0.2 (k workers share each device), got ${share}`,
    ]);
  });

  test("zero, a negative number or text is refused the same way", () => {
    for (const share of [0, -1, "half"]) {
      expect(problems(pool({ gpus: "all", gpus_per_worker: share }))).toEqual([
        `config: pools[0].gpus_per_worker: expected a whole number >= 1, or 1/k such as 0.5, 0.25 or 0.2 (k workers share each device), got ${JSON.stringify(share)}`,
      ]);
    }
  });

  test("a share without gpus is refused rather than silently meaning nothing", () => {
    expect(problems(pool({ gpus_per_worker: 0.5 }))).toEqual([
      'config: pools[0].gpus_per_worker: gpus_per_worker applies to a pool with gpus; add gpus (device indexes, UUIDs or "all") or remove it',
    ]);
  });
});

describe("gpu_memory_limit_mb and [gpu] sample_ms", () => {
  test("a limit is a whole number of MiB, 0 for none", () => {
    expect(valid(pool({ gpus: [0], gpu_memory_limit_mb: 20480 })).pools[0]!.gpu_memory_limit_mb).toBe(20480);
    expect(problems(pool({ gpus: [0], gpu_memory_limit_mb: -1 }))).toEqual(["config: pools[0].gpu_memory_limit_mb: expected an integer >= 0, got -1"]);
  });

  test("sampling is at most ten times a second, and the section takes no other key", () => {
    expect(valid({ gpu: { sample_ms: 250 } }).gpu.sample_ms).toBe(250);
    expect(problems({ gpu: { sample_ms: 10 } })).toEqual(["config: gpu.sample_ms: expected an integer >= 100, got 10"]);
    expect(problems({ gpu: { sample_s: 1 } })).toEqual(["config: gpu.sample_s: unknown key"]);
  });
});
