/**
 * The real-GPU check's parts that need no GPU, against STAND-INS for libcuda, libnvidia-ml and
 * nvidia-smi (test/gpu/*-standin.*): this machine has no GPU. Everything above the dlopen is
 * real: the compiled ./gaia, its Bun workers, test/gpu/cuda_task.ts calling "libcuda" through
 * bun:ffi, gaia's NVML code, and test/gpu/device-check.sh itself.
 *
 * device-check.sh passes only once the GPU modules are wired into gaia; here it must run every
 * check, print one PASS or FAIL line for each, exit 0 exactly when all passed, and leave no
 * process behind.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { openNvml } from "../src/supervisor/gpu/nvml.ts";
import { gpuEnv } from "../src/supervisor/gpu/assign.ts";
import { Gaia } from "./helpers/gaia.ts";
import { device, Standin, useStandinFile } from "./helpers/nvml-standin.ts";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const UUID = "GPU-11111111-2222-3333-4444-555555555555";
const H200 = device({ index: 0, uuid: UUID, name: "NVIDIA H200", total: 141 * GIB, used: 3 * GIB, util: [0, 0], temp: 30, power_mw: 70_000 });
const ROOT = resolve(import.meta.dir, "..");
const CHECKS = ["discovery", "pool size from slots", "worker devices", "memory agrees with nvidia-smi", "gpu_memory_peak_mb", "gpu memory limit", "worker replaced"];

const standin = new Standin();
let env: Record<string, string>;

beforeAll(() => {
  env = {
    GAIA_NVML_LIBRARY: standin.build(),
    GAIA_CUDA_LIBRARY: standin.buildCuda(),
    GAIA_NVML_STANDIN_FILE: standin.file,
    NVIDIA_SMI: resolve(ROOT, "test/gpu/nvidia-smi-standin.sh"),
  };
  standin.write([H200]);
  useStandinFile(standin.file);
});
afterAll(() => standin.remove());

/** The pids of processes that carry our stand-in file in their environment (ours to clean up). */
function ours(): number[] {
  const needle = `GAIA_NVML_STANDIN_FILE=${standin.file}\0`;
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid).filter((d) => {
    try {
      return readFileSync(`/proc/${d}/environ`, "latin1").includes(needle);
    } catch {
      return false;
    }
  }).map(Number);
}

function listedMemory(pid: number): number | null {
  const nvml = openNvml({ GAIA_NVML_LIBRARY: env.GAIA_NVML_LIBRARY });
  if (!nvml.ok) throw new Error(nvml.reason);
  try {
    return nvml.nvml.sample()[0]!.processes!.find((p) => p.pid === pid)?.used_bytes ?? null;
  } finally {
    nvml.nvml.close();
  }
}

describe("cuda_task.ts in a real Bun worker, on the libcuda stand-in", () => {
  let gaia: Gaia;
  beforeAll(async () => {
    // A pool without gpus, given by hand the environment gpuEnv makes, until the supervisor sets it.
    const pool = { name: "default", size: 1, modules: [resolve(ROOT, "test/gpu/cuda_task.ts")], env: gpuEnv([{ index: 0, uuid: UUID, name: "NVIDIA H200" }]) };
    gaia = await Gaia.start({ config: { pools: [pool] }, env });
  });
  afterAll(async () => gaia?.stop());

  test("CUDA sees one device, by the UUID gaia gave it, as ctx.gpus says", async () => {
    const job = (await gaia.request("POST", "/v1/jobs?wait=20", { task: "cuda.devices" })).body;
    expect(job).toMatchObject({ state: "succeeded", result: { cuda_devices: [UUID], cuda_visible_devices: UUID, ctx_gpus: [{ index: 0, uuid: UUID }] } });
  });

  test("a context and an allocation show in NVML's process list under the worker's pid, and go with it", async () => {
    const { id } = (await gaia.request("POST", "/v1/jobs", { task: "cuda.alloc", payload: { mb: 64, hold_ms: 60_000 } })).body;
    const running = await gaia.untilRunning(id);
    const pid = running.worker.pid as number;
    await gaia.until("the allocation in NVML's list", async () => listedMemory(pid) === 300 * MIB + 64 * MIB);
    process.kill(pid, "SIGKILL");
    await gaia.until("the dead worker's memory gone from NVML's list", async () => listedMemory(pid) === null);
  });

  test("a job that frees what it allocated leaves nothing listed", async () => {
    const job = (await gaia.request("POST", "/v1/jobs?wait=20", { task: "cuda.alloc", payload: { mb: 32, hold_ms: 10 } })).body;
    expect(job).toMatchObject({ state: "succeeded", result: { allocated_mb: 32 } });
    expect(listedMemory(job.worker.pid)).toBeNull();
  });
});

describe("test/gpu/device-check.sh on the stand-ins", () => {
  test("every check reports once, the exit code says whether all passed, nothing is left running", async () => {
    const run = Bun.spawn([resolve(ROOT, "test/gpu/device-check.sh")], { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => run.kill("SIGKILL"), 200_000);
    const [out, err, code] = [await new Response(run.stdout).text(), await new Response(run.stderr).text(), await run.exited];
    clearTimeout(timer);
    console.log(out);
    const lines = out.split("\n").filter((l) => /^(PASS|FAIL) /.test(l));
    for (const check of CHECKS) expect({ check, lines: lines.filter((l) => l.startsWith(`PASS ${check}:`) || l.startsWith(`FAIL ${check}:`)).length }).toEqual({ check, lines: 1 });
    expect(lines).toHaveLength(CHECKS.length);
    const failed = lines.filter((l) => l.startsWith("FAIL")).length;
    expect({ code, summary: out.trim().split("\n").at(-1) }).toEqual({ code: failed === 0 ? 0 : 1, summary: failed === 0 ? "device check: all passed" : `device check: ${failed} failed` });
    expect(err).not.toContain("error:");
    expect(ours()).toEqual([]);
  }, 210_000);
});
