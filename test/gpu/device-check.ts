/**
 * The checks of test/gpu/device-check.sh (which runs this file with the compiled ./gaia acting
 * as bun: BUN_BE_BUN=1), for a machine with a GPU. One Bun pool of two workers sharing device 0
 * (gpus = [0], gpus_per_worker = 0.5, no size: the slots give 2) runs test/gpu/cuda_task.ts,
 * which calls libcuda itself; what gaia says is compared with nvidia-smi. One PASS or FAIL line
 * per check, then a summary; the exit code is the number of failures (0: all passed).
 *
 * It imports no package (the device machine has the working tree, not node_modules). NVIDIA_SMI
 * names another nvidia-smi (a stand-in, test/gpu/nvidia-smi-standin.sh, where there is no GPU).
 */
import { resolve } from "node:path";
import { Gaia } from "../helpers/gaia.ts";

// ./gaia runs this file as bun because BUN_BE_BUN=1; the gaia it starts must be gaia again.
delete process.env.BUN_BE_BUN;

const MIB = 1024 * 1024;
const LIMIT_MB = 2048;
const SAMPLE_MS = 250;
const POOL = "gpu";
const SMI = process.env.NVIDIA_SMI || "nvidia-smi";
let failures = 0;

function report(ok: boolean, check: string, detail: string): void {
  if (!ok) failures++;
  console.log(`${ok ? "PASS" : "FAIL"} ${check}: ${detail}`);
}

/** nvidia-smi's CSV rows for a query, as lists of trimmed cells. */
function smi(fields: string, units = true): string[][] {
  const run = Bun.spawnSync([SMI, `--query-gpu=${fields}`, `--format=csv,noheader${units ? "" : ",nounits"}`], { stdout: "pipe", stderr: "pipe", timeout: 20_000 });
  if (run.exitCode !== 0) throw new Error(`${SMI} --query-gpu=${fields} failed (${run.exitCode}): ${run.stderr.toString().trim()}`);
  return run.stdout.toString().trim().split("\n").map((line) => line.split(",").map((cell) => cell.trim()));
}

/** Runs `fn` as one check: a throw is its FAIL line, never the end of the others. */
async function check(name: string, fn: () => Promise<[boolean, string]>): Promise<void> {
  try {
    const [ok, detail] = await fn();
    report(ok, name, detail);
  } catch (err) {
    report(false, name, (err as Error).message.split("\n")[0]!);
  }
}

async function submit(gaia: Gaia, task: string, payload: unknown, waitS: number): Promise<any> {
  const accepted = await gaia.request("POST", "/v1/jobs", { task, payload });
  if (accepted.status !== 202) throw new Error(`POST /v1/jobs ${task}: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return (await gaia.request("GET", `/v1/jobs/${accepted.body.id}?wait=${waitS}`)).body;
}

async function main(): Promise<void> {
  const rows = smi("index,uuid");
  const uuid0 = rows.find((r) => r[0] === "0")?.[1];
  if (!uuid0) throw new Error(`${SMI} lists no device 0: ${JSON.stringify(rows)}`);
  const gaia = await Gaia.start({
    config: {
      gpu: { sample_ms: SAMPLE_MS },
      pools: [{ name: POOL, runtime: "bun", modules: [resolve(import.meta.dir, "cuda_task.ts")], gpus: [0], gpus_per_worker: 0.5, gpu_memory_limit_mb: LIMIT_MB }],
      tasks: { "cuda.alloc": { timeout_s: 60, retries: { max: 0 } }, "cuda.devices": { timeout_s: 60, retries: { max: 0 } } },
    },
  });
  try {
    await checks(gaia, uuid0);
  } finally {
    await gaia.stop();
  }
}

async function checks(gaia: Gaia, uuid0: string): Promise<void> {
  await check("discovery", async () => {
    const body = (await gaia.request("GET", "/v1/gpus")).body;
    const gpu = body.gpus?.find((g: any) => g.index === 0);
    return [gpu?.uuid === uuid0, gpu ? `gpu 0 is ${gpu.uuid} (${gpu.name}); nvidia-smi says ${uuid0}` : `GET /v1/gpus has no gpu 0: ${JSON.stringify(body).slice(0, 200)}`];
  });

  await check("pool size from slots", async () => {
    const workers = (await gaia.workers()).filter((w) => w.pool === POOL);
    return [workers.length === 2, `${workers.length} worker(s) in pool ${POOL} (1 device at gpus_per_worker = 0.5 makes 2)`];
  });

  await check("worker devices", async () => {
    // Four jobs that hold their worker 1.5 s each: both workers run some.
    const jobs = await Promise.all([0, 1, 2, 3].map(() => submit(gaia, "cuda.devices", { hold_ms: 1500 }, 30)));
    const bad = jobs.filter((j) => j.state !== "succeeded" || j.result.cuda_devices.join() !== uuid0 || j.result.cuda_visible_devices !== uuid0 || j.result.ctx_gpus?.[0]?.uuid !== uuid0 || j.result.ctx_gpus.length !== 1);
    const workers = new Set(jobs.map((j) => j.worker?.id));
    const seen = jobs.map((j) => (j.state === "succeeded" ? `${j.worker?.id}: cuda ${j.result.cuda_devices.join(",")}, ctx.gpus ${j.result.ctx_gpus.map((g: any) => g.uuid).join(",")}` : `${j.state} ${j.error?.type}: ${j.error?.message}`));
    return [bad.length === 0 && workers.size === 2, `${workers.size} worker(s) each saw one device ${uuid0}? ${[...new Set(seen)].join("; ")}`];
  });

  await check("memory agrees with nvidia-smi", async () => {
    const read = () => smi("index,memory.used,memory.total", false).find((r) => r[0] === "0")!.slice(1).map(Number) as [number, number];
    const before = read();
    await Bun.sleep(2 * SAMPLE_MS);
    const body = (await gaia.request("GET", "/v1/gpus")).body;
    const gpu = body.gpus?.find((g: any) => g.index === 0);
    const after = read();
    if (!gpu) return [false, `GET /v1/gpus has no gpu 0: ${JSON.stringify(body).slice(0, 200)}`];
    const used = gpu.memory_used_bytes / MIB;
    const total = gpu.memory_total_bytes / MIB;
    // nvidia-smi prints whole MiB; the memory may move between the readings, hence the range.
    const [low, high] = [Math.min(before[0], after[0]) - 16, Math.max(before[0], after[0]) + 16];
    const ok = used >= low && used <= high && Math.abs(total - after[1]) <= 1;
    return [ok, `gaia: ${used.toFixed(0)} / ${total.toFixed(0)} MiB; nvidia-smi: ${before[0]}..${after[0]} / ${after[1]} MiB`];
  });

  await check("gpu_memory_peak_mb", async () => {
    const job = await submit(gaia, "cuda.alloc", { mb: 256, hold_ms: 4 * SAMPLE_MS }, 30);
    const peak = job.usage?.gpu_memory_peak_mb;
    return [job.state === "succeeded" && typeof peak === "number" && peak >= 256 && peak < LIMIT_MB, `a 256 MiB allocation: ${job.state}, usage.gpu_memory_peak_mb = ${peak}`];
  });

  let killed: { id: string; pid: number } | null = null;
  await check("gpu memory limit", async () => {
    const job = await submit(gaia, "cuda.alloc", { mb: LIMIT_MB + 512, hold_ms: 30_000 }, 45);
    killed = job.worker ?? null;
    const message = String(job.error?.message ?? "");
    const shape = new RegExp(`^gpu 0 \\(${uuid0}\\): [\\d.]+ GiB > limit ${LIMIT_MB / 1024} GiB; worker ${job.worker?.id} \\(pid ${job.worker?.pid}\\) was killed$`);
    const ok = job.state === "failed" && job.error?.type === "gpu_memory_limit_exceeded" && shape.test(message);
    return [ok, `${job.state}, ${job.error?.type}: ${message}`];
  });

  await check("worker replaced", async () => {
    if (!killed) return [false, "no worker was killed"];
    const { id, pid } = killed;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const w = (await gaia.workers()).find((x) => x.id === id);
      if (w && w.pid !== pid && w.pid !== null && ["ready", "idle", "busy"].includes(w.state)) return [true, `${id}: pid ${pid} → ${w.pid} (${w.state}), last exit ${JSON.stringify(w.last_exit)}`];
      if (Date.now() > deadline) return [false, `${id} not replaced within 20 s: ${JSON.stringify(w)}`];
      await Bun.sleep(100);
    }
  });
}

try {
  await main();
} catch (err) {
  report(false, "setup", (err as Error).message.split("\n")[0]!);
}
console.log(`device check: ${failures === 0 ? "all passed" : `${failures} failed`}`);
process.exit(failures);
