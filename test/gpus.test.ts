/**
 * GPUs end to end (SPEC §11), on a STAND-IN for libnvidia-ml.so.1 (test/gpu/nvml-standin.c):
 * this machine has no GPU. The stand-in's devices and per-process memory come from a file
 * this test writes and rewrites; everything above the dlopen is gaia's real code: discovery,
 * config errors, CUDA_VISIBLE_DEVICES per worker, sharing with 0.5, least-loaded placement,
 * the watchdog's kill and its job error, /v1/gpus, the metrics, the CLI, a dry run.
 * Without the stand-in (no NVML here at all) /v1/gpus says why and a GPU pool refuses to start.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { BINARY, Gaia } from "./helpers/gaia.ts";
import { device, gpuProcess, Standin } from "./helpers/nvml-standin.ts";

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const UUIDS = ["GPU-00000000-1111-2222-3333-444444444444", "GPU-99999999-8888-7777-6666-555555555555"];
const TASKS = resolve(import.meta.dir, "fixtures/gpu_tasks.ts");
const devices = (free0 = 70, free1 = 70, processes: string[] = []) => [
  device({ index: 0, uuid: UUIDS[0]!, name: "NVIDIA H200", total: 141 * GIB, used: (141 - free0) * GIB, util: [10, 5], temp: 40, power_mw: 120_000 }),
  device({ index: 1, uuid: UUIDS[1]!, name: "NVIDIA H200", total: 141 * GIB, used: (141 - free1) * GIB, util: [0, 0], temp: 35, power_mw: 90_000 }),
  ...processes,
];

describe("without NVML", () => {
  test("GET /v1/gpus answers no GPUs and why; a pool naming gpus refuses to start with that reason (exit 2)", async () => {
    const gaia = await Gaia.start({ env: { GAIA_NVML_LIBRARY: "/nonexistent/libnvidia-ml.so.1" } });
    try {
      const body = (await gaia.request("GET", "/v1/gpus")).body;
      expect(body.gpus).toEqual([]);
      expect(body.reason).toContain("/nonexistent/libnvidia-ml.so.1");
      expect((await gaia.request("GET", "/v1/status")).body.gpus).toMatchObject({ count: 0, reason: body.reason });
    } finally {
      await gaia.stop();
    }
    const refused = await Gaia.start({ waitReady: false, config: { pools: [{ name: "gpu", gpus: [0] }] }, env: { GAIA_NVML_LIBRARY: "/nonexistent/libnvidia-ml.so.1" } });
    expect(await refused.proc.exited).toBe(2);
    expect(refused.output).toContain("config: pools[0].gpus: no GPU can be used:");
    await refused.stop();
  });
});

describe("on the NVML stand-in with two devices", () => {
  const standin = new Standin();
  let library: string;
  let gaia: Gaia;
  beforeAll(async () => {
    library = standin.build();
    standin.write(devices());
    gaia = await Gaia.start({
      config: { gpu: { sample_ms: 100 }, pools: [{ name: "gpu", gpus: "all", gpus_per_worker: 0.5, gpu_memory_limit_mb: 1024, modules: [TASKS] }] },
      env: { GAIA_NVML_LIBRARY: library, GAIA_NVML_STANDIN_FILE: standin.file },
    });
  });
  afterAll(async () => {
    await gaia?.stop();
    standin.remove();
  });

  test("the pool's size is its slots (2 devices at 0.5); each worker sees its device, two workers per device", async () => {
    const workers = await gaia.workers();
    expect(workers.map((w) => w.id).sort()).toEqual(["gpu-0", "gpu-1", "gpu-2", "gpu-3"]);
    const seen = new Map<string, string[]>();
    for (const w of workers) seen.set(w.id, w.gpus.map((g: { uuid: string }) => g.uuid));
    expect([...seen.values()].map((u) => u.length)).toEqual([1, 1, 1, 1]);
    expect([...seen.values()].flat().filter((u) => u === UUIDS[0]).length).toBe(2);
    for (let i = 0; i < 4; i++) {
      const job = (await gaia.request("POST", "/v1/jobs?wait=10", { task: "gpu.ctx" })).body;
      expect(job.result.cuda).toBe(seen.get(job.worker.id)![0]);
      expect(job.result.gpus.map((g: { uuid: string }) => g.uuid)).toEqual(seen.get(job.worker.id));
    }
  });

  test("least loaded first: two jobs at once land on different devices; then the device with more free memory", async () => {
    const a = (await gaia.request("POST", "/v1/jobs", { task: "gpu.hold", payload: { ms: 800 } })).body.id;
    const b = (await gaia.request("POST", "/v1/jobs", { task: "gpu.hold", payload: { ms: 800 } })).body.id;
    const [ja, jb] = [(await gaia.request("GET", `/v1/jobs/${a}?wait=10`)).body, (await gaia.request("GET", `/v1/jobs/${b}?wait=10`)).body];
    expect(new Set([ja.result.gpus[0], jb.result.gpus[0]]).size).toBe(2);
    standin.write(devices(10, 100)); // device 1 has far more free memory
    await Bun.sleep(300); // a few samples
    for (let i = 0; i < 3; i++) expect((await gaia.request("POST", "/v1/jobs?wait=10", { task: "gpu.hold", payload: { ms: 1 } })).body.result.gpus).toEqual([UUIDS[1]]);
    standin.write(devices(100, 10));
    await Bun.sleep(300);
    expect((await gaia.request("POST", "/v1/jobs?wait=10", { task: "gpu.hold", payload: { ms: 1 } })).body.result.gpus).toEqual([UUIDS[0]]);
  });

  test("a dry run says which worker and device would take the job, and journals nothing", async () => {
    const before = (await gaia.request("GET", "/v1/status")).body.jobs;
    const dry = (await gaia.request("POST", "/v1/jobs?dry_run=true", { task: "gpu.ctx", timeout_s: 7 })).body;
    expect(dry).toMatchObject({ dry_run: true, pool: "gpu", timeout_s: 7, max_attempts: 4, worker: { gpus: [{ uuid: UUIDS[0] }], now: true } });
    expect((await gaia.request("GET", "/v1/status")).body.jobs).toEqual(before);
    expect((await gaia.request("POST", "/v1/jobs?dry_run=true", { task: "nope" })).body.error.code).toBe("unknown_task");
  });

  test("/v1/gpus, the metrics and `gaia gpus` show the devices and whose processes they run", async () => {
    const worker = (await gaia.workers()).find((w) => w.id === "gpu-1");
    standin.write(devices(70, 70, [gpuProcess(worker.gpus[0].index, worker.pid, 512 * MIB)]));
    const body = await gaia.until("the process in /v1/gpus", async () => {
      const b = (await gaia.request("GET", "/v1/gpus")).body;
      return b.gpus.some((g: any) => g.processes?.some((p: any) => p.worker === "gpu-1")) && b;
    });
    expect(body.gpus[0]).toMatchObject({ index: 0, uuid: UUIDS[0], name: "NVIDIA H200", memory_total_bytes: 141 * GIB, temperature_c: 40, power_w: 120, fan_pct: null });
    const metrics = (await gaia.request("GET", "/metrics")).body as string;
    expect(metrics).toContain(`gaia_gpu_memory_total_bytes{gpu="0"} ${141 * GIB}`);
    expect(metrics).toContain(`gaia_worker_gpu_memory_bytes{worker="gpu-1"} ${512 * MIB}`);
    expect(metrics).toMatch(/gaia_gpu_utilization_ratio\{gpu="0"\} 0\.1\b/);
    const cli = Bun.spawnSync([BINARY, "gpus", "--socket", gaia.socket]);
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout.toString()).toContain("NVIDIA H200");
    expect(cli.stdout.toString()).toContain("gpu-1");
  });

  test("the watchdog: a worker over gpu_memory_limit_mb is killed, its job fails with the figures, it is replaced", async () => {
    const { id } = (await gaia.request("POST", "/v1/jobs", { task: "gpu.hold", payload: { ms: 30_000 } })).body;
    const running = await gaia.untilRunning(id);
    const pid = running.worker.pid as number;
    const dev = (await gaia.workers()).find((w) => w.pid === pid).gpus[0].index as number;
    standin.write(devices(70, 70, [gpuProcess(dev, pid, 3 * GIB)]));
    const done = (await gaia.request("GET", `/v1/jobs/${id}?wait=15`)).body;
    expect(done).toMatchObject({ state: "failed", error: { type: "gpu_memory_limit_exceeded" } });
    expect(done.error.message).toBe(`gpu ${dev} (${UUIDS[dev]}): 3 GiB > limit 1 GiB; worker ${running.worker.id} (pid ${pid}) was killed`);
    const replaced = await gaia.until("the worker replaced", async () => {
      const w = (await gaia.workers()).find((x) => x.id === running.worker.id);
      return w?.pid !== pid && w?.state === "idle" && w;
    });
    expect(replaced.last_exit).toMatchObject({ pid, reason: "gpu_memory", signal: "SIGKILL" });
    expect(replaced.gpus).toEqual((await gaia.workers()).find((x) => x.id === running.worker.id).gpus); // same devices after the restart
    standin.write(devices());
  });
});

describe("config errors on the stand-in", () => {
  test("a device that does not exist, and two pools claiming one device beyond its slots, are one line each (exit 2)", async () => {
    const standin = new Standin();
    try {
      const env = { GAIA_NVML_LIBRARY: standin.build(), GAIA_NVML_STANDIN_FILE: standin.file };
      standin.write(devices());
      const gaia = await Gaia.start({
        waitReady: false,
        env,
        config: { pools: [{ name: "a", gpus: [0, 7], modules: [TASKS] }, { name: "b", gpus: [1], gpus_per_worker: 0.5, modules: [TASKS] }, { name: "c", gpus: [1], modules: [TASKS] }] },
      });
      expect(await gaia.proc.exited).toBe(2);
      expect(gaia.output).toContain("config: pools[0].gpus[1]: no device 7 on this host; it has 0 (GPU-00000000");
      expect(gaia.output).toMatch(/config: pools\[2\]\.gpus.*device 1 .*/);
      await gaia.stop();
    } finally {
      standin.remove();
    }
  });
});
