/**
 * The pipeline data plane (SPEC §12), against the chains users build with multiprocessing
 * (bench/pipeline_peers.py), in one run on this machine. Not part of `npm test`.
 *
 *   one hop        a small frame ({i}) round trip through one pass-through node: session input →
 *                  node → session output, two channel hops; p50/p99, and half of it per hop.
 *                  Beside it, a raw Unix-socket round trip between two Bun processes.
 *   1 MiB chain    a 1 MiB float32 array through three pass-through nodes, end to end, one frame
 *                  at a time (each hop copies it once into shared memory; no byte on a socket)
 *   throughput     50,000 small frames through three pass-through nodes, first in to last out
 *                  (after 50,000 to warm up),
 *                  against the same chain with multiprocessing.Queue and multiprocessing.Pipe
 *
 *   node_modules/.bin/bun bench/pipelines.ts [--quick]
 *
 * Prints a table; writes it as JSON to bench/results/pipelines-<time>.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { localRuntime } from "../examples/audio_session.ts";
import { Pipeline, type PipelineDefinition } from "../src/io/pipelines/schema.ts";
import type { Session } from "../src/io/pipelines/session.ts";

const quick = process.argv.includes("--quick");
// Warm-ups are long because JavaScriptCore compiles hot code in tiers over thousands of calls:
// 20,000 frames through fresh Bun nodes ran at a fifth of the rate of the next 100,000 here.
const N = { samples: quick ? 300 : 2000, warmup: quick ? 300 : 2000, big: quick ? 100 : 300, frames: quick ? 10_000 : 50_000 };
const ROOT = join(import.meta.dir, "..");
const PY = join(ROOT, ".venv/bin/python");
const node = (id: string, runtime: "bun" | "python") =>
  runtime === "bun"
    ? { id, runtime, module: join(import.meta.dir, "pipeline_nodes.ts"), node: "b.pass" }
    : { id, runtime, python: PY, module: join(import.meta.dir, "pipeline_nodes.py"), node: "p.pass" };
const chainOf = (name: string, runtimes: ("bun" | "python")[]): PipelineDefinition =>
  Pipeline.parse({
    name,
    nodes: runtimes.map((r, i) => node(`n${i}`, r)),
    connections: runtimes.slice(1).map((_, i) => ({ from: `n${i}.out`, to: `n${i + 1}.in` })),
  }) as PipelineDefinition;

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

/** Sequential round trips: one frame in, wait for it out, next. Microseconds. */
async function roundTrips(s: Session, value: () => unknown, samples: number, warmup: number) {
  const last = `n${s.nodes.length - 1}.out`;
  let resolveOut: (() => void) | null = null;
  s.onOutput(last, () => void resolveOut?.());
  const times: number[] = [];
  for (let k = 0; k < samples + warmup; k++) {
    const v = value();
    const out = new Promise<void>((r) => (resolveOut = r));
    const t = performance.now();
    await s.input("n0.in", v);
    await out;
    if (k >= warmup) times.push((performance.now() - t) * 1000);
  }
  return { p50: pct(times, 0.5), p99: pct(times, 0.99), n: samples };
}

/** Frames per second from the first frame in to the last out, after as many to warm up. */
async function throughput(s: Session, frames: number) {
  const last = `n${s.nodes.length - 1}.out`;
  let got = 0;
  let target = 0;
  let done: () => void = () => {};
  s.onOutput(last, () => void (++got === target && done()));
  const pass = async (n: number) => {
    target = got + n;
    const all = new Promise<void>((r) => (done = r));
    const t = performance.now();
    for (let i = 0; i < n; i++) await s.input("n0.in", { i });
    await all;
    return n / ((performance.now() - t) / 1000);
  };
  await pass(frames);
  return pass(frames);
}

/** A Unix-socket echo between this process and a Bun child: the floor under any hop. */
async function socketRoundTrip(samples: number) {
  const path = join(ROOT, `.bench-echo-${process.pid}.sock`);
  const child = Bun.spawn([process.execPath, "-e", `Bun.listen({ unix: ${JSON.stringify(path)}, socket: { data(s, d) { s.write(d); } } }); console.log("up");`], { stdout: "pipe" });
  await child.stdout.getReader().read();
  let resolveData: (() => void) | null = null;
  const sock = await Bun.connect({ unix: path, socket: { data: () => resolveData?.() } });
  const times: number[] = [];
  for (let k = 0; k < samples + 100; k++) {
    const back = new Promise<void>((r) => (resolveData = r));
    const t = performance.now();
    sock.write("ping");
    await back;
    if (k >= 100) times.push((performance.now() - t) * 1000);
  }
  sock.end();
  child.kill();
  await child.exited;
  Bun.spawnSync(["rm", "-f", path]);
  return { p50: pct(times, 0.5), p99: pct(times, 0.99), n: samples };
}

const pipelines = [
  chainOf("hop-bun", ["bun"]), chainOf("hop-python", ["python"]),
  chainOf("chain-bun", ["bun", "bun", "bun"]), chainOf("chain-mixed", ["bun", "python", "bun"]), chainOf("chain-python", ["python", "python", "python"]),
];
const { runtime, stop } = localRuntime(pipelines);
const figures: Record<string, unknown> = { when: new Date().toISOString(), quick };
try {
  const run = async <T>(name: string, fn: (s: Session) => Promise<T>): Promise<T> => {
    const s = await runtime.create(name);
    try {
      return await fn(s);
    } finally {
      await s.terminate();
    }
  };
  figures.socket_rtt_us = await socketRoundTrip(N.samples);
  for (const r of ["bun", "python"]) figures[`hop_${r}_rtt_us`] = await run(`hop-${r}`, (s) => roundTrips(s, () => ({ i: 1 }), N.samples, N.warmup));
  const buffer = new Float32Array(1 << 18); // input() copies at the call: one buffer serves every frame
  const mib = () => buffer;
  for (const c of ["bun", "mixed", "python"]) figures[`chain_${c}_1mib_us`] = await run(`chain-${c}`, (s) => roundTrips(s, mib, N.big, N.big));
  for (const c of ["bun", "mixed", "python"]) figures[`chain_${c}_fps`] = await run(`chain-${c}`, (s) => throughput(s, N.frames));
} finally {
  await stop();
}
const peers = Bun.spawnSync([PY, join(import.meta.dir, "pipeline_peers.py"), "--frames", String(N.frames), "--samples", String(N.samples)], { stderr: "inherit" });
if (!peers.success) throw new Error("bench/pipeline_peers.py failed");
figures.peers = JSON.parse(peers.stdout.toString());

type Lat = { p50: number; p99: number };
const f = figures as Record<string, Lat & number> & { peers: Record<string, Lat & number> };
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const lat = (l: Lat) => `${fmt(l.p50)} / ${fmt(l.p99)}`;
const best = Math.max(f.peers.queue_chain_fps, f.peers.pipe_chain_fps);
const rows = [
  ["Unix socket round trip, Bun↔Bun (µs p50/p99)", lat(f.socket_rtt_us), "-", "the floor"],
  ["one Bun node, small frame, 2 hops (µs p50/p99)", lat(f.hop_bun_rtt_us), `Pipe ${lat(f.peers.pipe_one_stage_small_rtt_us)}`, `${fmt(f.hop_bun_rtt_us.p50 / 2, 1)} µs per hop (target p50 ≤ 50)`],
  ["one Python node, small frame, 2 hops (µs p50/p99)", lat(f.hop_python_rtt_us), `Pipe ${lat(f.peers.pipe_one_stage_small_rtt_us)}`, `${fmt(f.hop_python_rtt_us.p50 / 2, 1)} µs per hop`],
  ["1 MiB float32, 3 Bun nodes (µs p50/p99)", lat(f.chain_bun_1mib_us), `Pipe ${lat(f.peers.pipe_chain_1mib_us)}`, "target p50 ≤ 1,000"],
  ["1 MiB float32, Bun→Python→Bun (µs p50/p99)", lat(f.chain_mixed_1mib_us), `Pipe ${lat(f.peers.pipe_chain_1mib_us)}`, "target p50 ≤ 1,000"],
  ["1 MiB float32, 3 Python nodes (µs p50/p99)", lat(f.chain_python_1mib_us), `Pipe ${lat(f.peers.pipe_chain_1mib_us)}`, "target p50 ≤ 1,000"],
  ["small frames/s, 3 Python nodes", fmt(f.chain_python_fps), `Queue ${fmt(f.peers.queue_chain_fps)} · Pipe ${fmt(f.peers.pipe_chain_fps)}`, `${fmt(f.chain_python_fps / best, 2)}× the faster (target ≥ 2×)`],
  ["small frames/s, 3 Bun nodes", fmt(f.chain_bun_fps), `Queue ${fmt(f.peers.queue_chain_fps)} · Pipe ${fmt(f.peers.pipe_chain_fps)}`, `${fmt(f.chain_bun_fps / best, 2)}×`],
  ["small frames/s, Bun→Python→Bun", fmt(f.chain_mixed_fps), `Queue ${fmt(f.peers.queue_chain_fps)} · Pipe ${fmt(f.peers.pipe_chain_fps)}`, `${fmt(f.chain_mixed_fps / best, 2)}×`],
];
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  "));
mkdirSync(join(import.meta.dir, "results"), { recursive: true });
const out = join(import.meta.dir, "results", `pipelines-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(out, JSON.stringify(figures, null, 2));
console.log(`saved ${out}`);
