/**
 * The gaia half of the benchmark: start-up time, idle CPU, sequential round trip, and batch
 * throughput, each against a real ./gaia in a temporary folder.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RawHttpClient } from "./http-client.ts";
import { latency, percentile } from "./interleave.ts";

const BINARY = process.env.GAIA_BENCH_BINARY ?? resolve(import.meta.dir, "../gaia");
const TICKS_PER_S = 100; // USER_HZ on Linux

export type Running = { dir: string; socket: string; proc: ReturnType<typeof Bun.spawn>; readyMs: number };

export type StartOptions = {
  /** Written into its folder before it starts (task modules). */
  files?: Record<string, string>;
  /** More of the config, beside `pools` (e.g. `gpu`). */
  config?: Record<string, unknown>;
  /** Added to its environment (e.g. the NVML stand-in's variables). */
  env?: Record<string, string>;
};

/** A pool of `workers` Bun workers, or the pools given, in a temp folder of its own. */
export async function startGaia(workers: number, pools?: Record<string, unknown>[], options: StartOptions = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "gaia-bench-"));
  for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "gaia.json"), JSON.stringify({ pools: pools ?? [{ name: "default", size: workers }], queue: { max_depth: 200_000 }, ...options.config }));
  const socket = join(dir, ".gaia/run/gaia.sock");
  const t0 = performance.now();
  const env = { ...process.env, ...options.env };
  const proc = Bun.spawn([...BINARY.split(" "), "start", "--config", join(dir, "gaia.json")], { cwd: dir, env, stdin: "ignore", stdout: process.env.GAIA_BENCH_LOGS ? "inherit" : "ignore", stderr: "inherit" });
  for (;;) {
    try {
      const res = await fetch("http://gaia/ready", { unix: socket } as RequestInit);
      if (res.status === 200) break;
    } catch {}
    if (proc.exitCode !== null) throw (rmSync(dir, { recursive: true, force: true }), new Error(`gaia exited with code ${proc.exitCode} before /ready`));
    if (performance.now() - t0 > 30_000) throw (await stopGaia({ dir, socket, proc, readyMs: 0 }), new Error("gaia did not become ready in 30 s"));
    await Bun.sleep(1);
  }
  return { dir, socket, proc, readyMs: performance.now() - t0 };
}

export async function stopGaia(g: Running): Promise<void> {
  g.proc.kill("SIGTERM");
  await g.proc.exited;
  rmSync(g.dir, { recursive: true, force: true });
}

/** `root` and its children (the processes whose parent it is). */
export function processTree(root: number): number[] {
  const out = [root];
  for (const entry of new Bun.Glob("[0-9]*").scanSync({ cwd: "/proc", onlyFiles: false })) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === root) out.push(Number(entry));
    } catch {}
  }
  return out;
}

function cpuTicks(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").slice(0).split(") ")[1]!.split(" ");
      total += Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
    } catch {}
  }
  return total;
}

/** Start-up work (JIT, first GCs) settles this long after /ready before idleness is measured. */
const SETTLE_MS = 3000;

/** CPU used by every gaia process over `seconds` of idleness, in % of one core. */
export async function idleCpuPercent(g: Running, seconds: number): Promise<number> {
  await Bun.sleep(SETTLE_MS);
  const pids = processTree(g.proc.pid);
  const before = cpuTicks(pids);
  await Bun.sleep(seconds * 1000);
  return ((cpuTicks(pids) - before) / TICKS_PER_S / seconds) * 100;
}


/** Sequential `echo` jobs through POST /v1/jobs?wait= on one keep-alive connection; µs per job. */
export async function roundTrip(g: Running, n: number, warmup = 0) {
  const client = await RawHttpClient.connect(g.socket);
  const samples: number[] = [];
  for (let i = 0; i < n + warmup; i++) {
    const t0 = performance.now();
    const res = await client.request("POST", "/v1/jobs?wait=10", `{"task":"echo","payload":{"i":${i}}}`);
    const dt = (performance.now() - t0) * 1000;
    if (res.status !== 200 || !res.body.includes('"succeeded"')) throw new Error(`round trip failed: ${res.status} ${res.body.slice(0, 200)}`);
    if (i >= warmup) samples.push(dt);
  }
  client.close();
  return latency(samples);
}

/** `jobs` echo jobs through /v1/jobs/batch, from the first batch sent until all are terminal. */
export async function throughput(g: Running, jobs: number, batch = 10_000) {
  const client = await RawHttpClient.connect(g.socket);
  const before = JSON.parse((await client.request("GET", "/v1/status")).body).jobs.succeeded as number;
  const t0 = performance.now();
  for (let sent = 0; sent < jobs; sent += batch) {
    const size = Math.min(batch, jobs - sent);
    const body = JSON.stringify({ jobs: Array.from({ length: size }, (_, i) => ({ task: "echo", payload: { i: sent + i } })) });
    const res = await client.request("POST", "/v1/jobs/batch", body);
    if (res.status !== 202) throw new Error(`batch refused: ${res.status} ${res.body.slice(0, 200)}`);
  }
  const submittedS = (performance.now() - t0) / 1000;
  for (;;) {
    const counts = JSON.parse((await client.request("GET", "/v1/status")).body).jobs as Record<string, number>;
    if (counts.queued + counts.running === 0) {
      if (counts.succeeded - before !== jobs) throw new Error(`expected ${jobs} succeeded, got ${counts.succeeded - before}: ${JSON.stringify(counts)}`);
      break;
    }
    await Bun.sleep(10);
  }
  const seconds = (performance.now() - t0) / 1000;
  client.close();
  return { jobs, seconds, per_s: jobs / seconds, submit_seconds: submittedS };
}

export type WorkerInfo = { id: string; pid: number; state: string; spare?: boolean; [key: string]: unknown };

/** GET /v1/workers. */
export async function workers(g: { socket: string }): Promise<WorkerInfo[]> {
  return ((await (await fetch("http://gaia/v1/workers", { unix: g.socket } as RequestInit)).json()) as { workers: WorkerInfo[] }).workers;
}

/** Polls /v1/workers every half millisecond until `ok` finds what it waits for. */
export async function untilWorkers<T>(g: { socket: string }, what: string, ok: (ws: WorkerInfo[]) => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const found = ok(await workers(g));
    if (found) return found;
    await Bun.sleep(0.5);
  }
  throw new Error(`bench: ${what} did not happen within ${timeoutMs / 1000} s`);
}
