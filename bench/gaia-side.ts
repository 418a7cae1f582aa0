/**
 * The gaia half of the benchmark: start-up time, idle CPU, sequential round trip, and batch
 * throughput, each against a real ./gaia in a temporary folder.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RawHttpClient } from "./http-client.ts";

const BINARY = process.env.GAIA_BENCH_BINARY ?? resolve(import.meta.dir, "../gaia");
const TICKS_PER_S = 100; // USER_HZ on Linux

export type Running = { dir: string; socket: string; proc: ReturnType<typeof Bun.spawn>; readyMs: number };

/** A pool of `workers` Bun workers, or the pools given; `files` are written into its folder first. */
export async function startGaia(workers: number, pools?: Record<string, unknown>[], files: Record<string, string> = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "gaia-bench-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, "gaia.json"), JSON.stringify({ pools: pools ?? [{ name: "default", size: workers }], queue: { max_depth: 200_000 } }));
  const socket = join(dir, ".gaia/run/gaia.sock");
  const t0 = performance.now();
  const proc = Bun.spawn([...BINARY.split(" "), "start", "--config", join(dir, "gaia.json")], { cwd: dir, stdin: "ignore", stdout: process.env.GAIA_BENCH_LOGS ? "inherit" : "ignore", stderr: "inherit" });
  for (;;) {
    try {
      const res = await fetch("http://gaia/ready", { unix: socket } as RequestInit);
      if (res.status === 200) break;
    } catch {}
    if (performance.now() - t0 > 30_000) throw new Error("gaia did not become ready in 30 s");
    await Bun.sleep(1);
  }
  return { dir, socket, proc, readyMs: performance.now() - t0 };
}

export async function stopGaia(g: Running): Promise<void> {
  g.proc.kill("SIGTERM");
  await g.proc.exited;
  rmSync(g.dir, { recursive: true, force: true });
}

function processTree(root: number): number[] {
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

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function roundTrip(g: Running, n: number, warmup: number) {
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
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), n };
}

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
