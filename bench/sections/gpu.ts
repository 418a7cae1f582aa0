/**
 * gpu: what GPU support costs and how fast its watchdog is, on the NVML STAND-IN
 * (test/gpu/nvml-standin.c compiled here with cc, as the tests do: this machine has no GPU).
 * Everything above the dlopen is gaia's real code; what one NVML call costs is the
 * stand-in's (it reads its devices file on every call), not a driver's.
 *
 *   sampling CPU   the supervisor's CPU with NVML sampled every 1 s (gpu.sample_ms = 1000) on
 *                  the stand-in with 8 devices, against the same supervisor with no NVML, in
 *                  the same run: both gaias measured over the same window each round (the
 *                  closest pairing there is: the drift of that window falls on both), the
 *                  difference per round; also every gaia process together
 *   watchdog       a Bun worker on device 0 with gpu_memory_limit_mb = 1024: the stand-in's
 *                  file is rewritten to show its pid holding 3 GiB, and the time from that
 *                  rename until the worker's pid is gone (killed and reaped); gpu.sample_ms =
 *                  100, so a round is short (the target is relative to it)
 */
import { readdirSync, readFileSync } from "node:fs";
import { device, gpuProcess, Standin } from "../../test/helpers/nvml-standin.ts";
import { isAlive, isZombie } from "../../src/lib/proc.ts";
import { processTree, startGaia, stopGaia, untilWorkers, type Running } from "../gaia-side.ts";
import { differences, formatSpread, latency, median, spread } from "../interleave.ts";
import { fmt, type Options, type Row, type Section } from "./types.ts";

const GIB = 1024 ** 3;
const DEVICES = 8;
const WATCHDOG_SAMPLE_MS = 100;
const devices = (processes: string[] = []) => [
  ...Array.from({ length: DEVICES }, (_, i) =>
    device({ index: i, uuid: `GPU-${String(i).repeat(8)}-0000-0000-0000-${String(i).repeat(12)}`, name: "NVIDIA H200", total: 141 * GIB, used: GIB, util: [10, 5], temp: 40, power_mw: 120_000 }),
  ),
  ...processes,
];

/** CPU time of every thread of `pid`, in ns (schedstat's first field: finer than stat's ticks). */
function cpuNs(pid: number): number {
  let total = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
      } catch {} // a thread that ended between the listing and the read
    }
  } catch {}
  return total;
}

/** Per round, both gaias' CPU over one window of `seconds`: % of a core, supervisor and all. */
async function samplingCpu(on: Running, off: Running, rounds: number, seconds: number, log: (l: string) => void) {
  await Bun.sleep(3000); // start-up work (JIT, first GCs) settles first
  const blocks: Record<"standin" | "none", { supervisor: number; all: number }[]> = { standin: [], none: [] };
  for (let r = 0; r < rounds; r++) {
    const pids = { standin: processTree(on.proc.pid), none: processTree(off.proc.pid) };
    const read = () => ({ standin: pids.standin.map(cpuNs), none: pids.none.map(cpuNs) });
    const before = read();
    const t0 = performance.now();
    await Bun.sleep(seconds * 1000);
    const after = read();
    const wall = (performance.now() - t0) * 1e6;
    for (const side of ["standin", "none"] as const) {
      const used = after[side].map((ns, i) => ns - before[side][i]!);
      blocks[side].push({ supervisor: (used[0]! / wall) * 100, all: (used.reduce((a, b) => a + b, 0) / wall) * 100 });
    }
    log(`gpu sampling CPU round ${r + 1}/${rounds}: supervisor ${fmt(blocks.standin[r]!.supervisor, 3)}% with the stand-in, ${fmt(blocks.none[r]!.supervisor, 3)}% without`);
  }
  return blocks;
}

/** Until `pid` is gone or a zombie (killed; the supervisor reaps it a moment later). */
async function untilDead(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!isAlive(pid) || isZombie(pid)) return;
    await Bun.sleep(0.2);
  }
  throw new Error(`bench: the GPU watchdog did not kill pid ${pid} within ${timeoutMs / 1000} s`);
}

async function watchdog(standin: Standin, env: Record<string, string>, kills: number, log: (l: string) => void) {
  const pool = { name: "gpu", gpus: [0], size: 1, gpu_memory_limit_mb: 1024 };
  const g = await startGaia(1, [pool], { config: { gpu: { sample_ms: WATCHDOG_SAMPLE_MS } }, env });
  const ms: number[] = [];
  try {
    for (let i = 0; i < kills; i++) {
      const w = await untilWorkers(g, "the GPU worker ready", (ws) => ws.find((x) => x.id === "gpu-0" && x.state === "idle"));
      await Bun.sleep(WATCHDOG_SAMPLE_MS * 1.5); // a sample has seen it alive and idle
      standin.write(devices([gpuProcess(0, w.pid, 3 * GIB)]));
      const t0 = performance.now();
      await untilDead(w.pid);
      ms.push(performance.now() - t0);
      standin.write(devices());
      log(`gpu watchdog kill ${i + 1}/${kills}: ${fmt(ms[i]!, 1)} ms`);
    }
  } finally {
    await stopGaia(g);
  }
  return ms;
}

async function run(o: Options) {
  const standin = new Standin();
  const running: Running[] = [];
  try {
    let library: string;
    try {
      library = standin.build();
    } catch (error) {
      const missing = `the NVML stand-in could not be built: ${(error as Error).message.slice(0, 150)}`;
      return { rows: [["GPU (NVML stand-in)", "-", `missing: ${missing}`, "-"] as Row], figures: { missing } };
    }
    standin.write(devices());
    const env = { GAIA_NVML_LIBRARY: library, GAIA_NVML_STANDIN_FILE: standin.file };
    const on = await startGaia(1, undefined, { config: { gpu: { sample_ms: 1000 } }, env });
    running.push(on);
    const off = await startGaia(1, undefined, { env: { GAIA_NVML_LIBRARY: `${standin.dir}/none/libnvidia-ml.so.1` } });
    running.push(off);
    const seen = (await (await fetch("http://gaia/v1/gpus", { unix: on.socket } as RequestInit)).json()) as { gpus: unknown[] };
    if (seen.gpus.length !== DEVICES) throw new Error(`bench: gaia sees ${seen.gpus.length} devices on the stand-in, expected ${DEVICES}`);
    const cpu = await samplingCpu(on, off, o.quick ? 2 : 5, o.quick ? 3 : 10, o.log);
    while (running.length) await stopGaia(running.pop()!);
    const kills = await watchdog(standin, env, o.quick ? 5 : 20, o.log);
    const sup = differences(cpu, "standin", "none", "supervisor");
    const all = differences(cpu, "standin", "none", "all");
    const med = (side: "standin" | "none", key: "supervisor" | "all") => fmt(median(cpu[side].map((b) => b[key])), 3);
    const wd = latency(kills);
    const signed = (x: typeof sup) => `${x.median >= 0 ? "+" : ""}${formatSpread(x, " pt", 3)}`;
    const rows: Row[] = [
      [`GPU stand-in, ${DEVICES} devices: supervisor CPU, NVML every 1 s (%)`, med("standin", "supervisor"), `no GPU ${med("none", "supervisor")}`, `${signed(sup)} · target < 0.5 pt more`],
      [`GPU stand-in: every gaia process, same (%)`, med("standin", "all"), `no GPU ${med("none", "all")}`, signed(all)],
      [`GPU stand-in: watchdog, limit crossed → kill p50 (ms)`, fmt(wd.p50!, 1), "-", `${fmt(wd.p50! / WATCHDOG_SAMPLE_MS, 2)}× gpu.sample_ms (${WATCHDOG_SAMPLE_MS} ms), p99 ${fmt(wd.p99!, 1)} ms, ${kills.length} kills · target ≤ 1.5×`],
    ];
    return { rows, figures: { devices: DEVICES, cpu_percent: cpu, supervisor_extra: sup, all_extra: all, watchdog_ms: spread(kills), watchdog_sample_ms: WATCHDOG_SAMPLE_MS } };
  } finally {
    for (const g of running) await stopGaia(g);
    standin.remove();
  }
}

export const gpu: Section = { name: "gpu", title: "GPU support on the NVML stand-in (no GPU here): sampling CPU, watchdog latency", run };
