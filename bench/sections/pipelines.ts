/**
 * pipelines: the pipeline data plane (SPEC §12) against the chains users build with
 * multiprocessing (bench/pipeline_peers.py, kept running). The sessions run in this process
 * (examples/audio_session.ts's localRuntime: gaia's session runtime and node processes without
 * the rest of gaia) and stay up through every round.
 *
 *   one hop        a small frame ({i}) round trip through one pass-through node: session input →
 *                  node → session output, two channel hops; p50/p99, and half of it per hop;
 *                  vs one pass-through process over two Pipes. Beside it, a raw Unix-socket
 *                  round trip between two Bun processes (the floor, no peer)
 *   1 MiB chain    a 1 MiB float32 array through three pass-through nodes, end to end, one frame
 *                  at a time (each hop copies it once into shared memory; no byte on a socket),
 *                  vs the same through three processes over Pipes (pickled)
 *   throughput     small frames through three pass-through nodes, first in to last out, vs the
 *                  same chain with multiprocessing.Queue and multiprocessing.Pipe
 */
import { join } from "node:path";
import { localRuntime } from "../../examples/audio_session.ts";
import { Pipeline, type PipelineDefinition } from "../../src/io/pipelines/schema.ts";
import type { Session } from "../../src/io/pipelines/session.ts";
import { formatSpread, interleave, latency, ratios, sideSummary, type Blocks, type Figures } from "../interleave.ts";
import { PeerServer } from "../peer-server.ts";
import { ensureNumpy, VENV_PYTHON } from "../python-side.ts";
import { fmt, rounds, type Options, type Row, type Section } from "./types.ts";

const BENCH = join(import.meta.dir, "..");
const node = (id: string, runtime: "bun" | "python") =>
  runtime === "bun"
    ? { id, runtime, module: join(BENCH, "pipeline_nodes.ts"), node: "b.pass" }
    : { id, runtime, python: VENV_PYTHON, module: join(BENCH, "pipeline_nodes.py"), node: "p.pass" };
const chainOf = (name: string, runtimes: ("bun" | "python")[]): PipelineDefinition =>
  Pipeline.parse({
    name,
    nodes: runtimes.map((r, i) => node(`n${i}`, r)),
    connections: runtimes.slice(1).map((_, i) => ({ from: `n${i}.out`, to: `n${i + 1}.in` })),
  }) as PipelineDefinition;
const CHAINS = { hop_bun: ["bun"], hop_python: ["python"], chain_bun: ["bun", "bun", "bun"], chain_mixed: ["bun", "python", "bun"], chain_python: ["python", "python", "python"] } as const;
type Name = keyof typeof CHAINS;

/** Sequential round trips: one frame in, wait for it out, next. Microseconds. */
async function roundTrips(s: Session, value: () => unknown, samples: number) {
  let resolveOut: (() => void) | null = null;
  const off = s.onOutput(`n${s.nodes.length - 1}.out`, () => void resolveOut?.());
  const times: number[] = [];
  try {
    for (let k = 0; k < samples; k++) {
      const v = value();
      const out = new Promise<void>((r) => (resolveOut = r));
      const t = performance.now();
      await s.input("n0.in", v);
      await out;
      times.push((performance.now() - t) * 1000);
    }
  } finally {
    off();
  }
  return latency(times);
}

/** Frames per second from the first frame in to the last out. */
async function throughput(s: Session, frames: number) {
  let got = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((r) => (done = r));
  const off = s.onOutput(`n${s.nodes.length - 1}.out`, () => void (++got === frames && done()));
  try {
    const t = performance.now();
    for (let i = 0; i < frames; i++) await s.input("n0.in", { i });
    await all;
    return { per_s: frames / ((performance.now() - t) / 1000) };
  } finally {
    off();
  }
}

/** A Unix-socket echo between this process and a Bun child: the floor under any hop. */
async function socketRoundTrip(samples: number) {
  const path = join(BENCH, `.bench-echo-${process.pid}.sock`);
  const child = Bun.spawn([process.execPath, "-e", `Bun.listen({ unix: ${JSON.stringify(path)}, socket: { data(s, d) { s.write(d); } } }); console.log("up");`], { stdout: "pipe" });
  try {
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
    return latency(times);
  } finally {
    child.kill();
    await child.exited;
    Bun.spawnSync(["rm", "-f", path]);
  }
}

const LABEL: Record<string, string> = { hop_bun: "one Bun node", hop_python: "one Python node", chain_bun: "3 Bun nodes", chain_mixed: "Bun→Python→Bun", chain_python: "3 Python nodes" };

function rowsOf(floor: Figures, hop: Blocks, mib: Blocks, fps: Blocks): Row[] {
  const s = (b: Blocks, side: string) => sideSummary(b[side]!);
  const lat = (b: Blocks, side: string) => `${fmt(s(b, side).p50!)} / ${fmt(s(b, side).p99!)}`;
  const vs = (b: Blocks, of: string, to: string | string[], key: string, better: "lower" | "higher") => formatSpread(ratios(b, { of, to, key, better }));
  const rows: Row[] = [["Unix socket round trip, Bun↔Bun (µs p50/p99)", `${fmt(floor.p50!)} / ${fmt(floor.p99!)}`, "-", "the floor under a hop"]];
  for (const side of ["hop_bun", "hop_python"]) {
    rows.push([`${LABEL[side]}, small frame, 2 hops (µs p50/p99)`, lat(hop, side), `Pipe ${lat(hop, "pipe_rtt")}`, `${fmt(s(hop, side).p50! / 2, 1)} µs per hop (target p50 ≤ 50) · ${vs(hop, side, "pipe_rtt", "p50", "lower")} Pipe`]);
  }
  for (const side of ["chain_bun", "chain_mixed", "chain_python"]) {
    rows.push([`1 MiB float32, ${LABEL[side]} (µs p50/p99)`, lat(mib, side), `Pipe ${lat(mib, "pipe_1mib")}`, `${vs(mib, side, "pipe_1mib", "p50", "lower")} Pipe · target p50 ≤ 1,000 µs`]);
  }
  const peers = `Queue ${fmt(s(fps, "queue_chain").per_s!)} · Pipe ${fmt(s(fps, "pipe_chain").per_s!)}`;
  for (const side of ["chain_python", "chain_bun", "chain_mixed"]) {
    rows.push([`small frames/s, ${LABEL[side]}`, fmt(s(fps, side).per_s!), peers, `${vs(fps, side, ["queue_chain", "pipe_chain"], "per_s", "higher")} the faster${side === "chain_python" ? " · target ≥ 2×" : ""}`]);
  }
  return rows;
}

async function run(o: Options) {
  ensureNumpy();
  // Warm-ups are long because JavaScriptCore compiles hot code in tiers over thousands of calls:
  // 20,000 frames through fresh Bun nodes ran at a fifth of the rate of the next 100,000 here.
  const n = { samples: o.quick ? 300 : 2000, warmup: o.quick ? 300 : 2000, big: o.quick ? 50 : 300, frames: o.quick ? 10_000 : 50_000, rounds: rounds(o.quick) };
  const { runtime, stop } = localRuntime(Object.entries(CHAINS).map(([name, r]) => chainOf(name, [...r])));
  let peers: PeerServer | undefined;
  try {
    const floor = await socketRoundTrip(n.samples);
    const sessions = {} as Record<Name, Session>;
    for (const name of Object.keys(CHAINS) as Name[]) sessions[name] = await runtime.create(name);
    const buffer = new Float32Array(1 << 18); // input() copies at the call: one buffer serves every frame
    for (const s of Object.values(sessions)) {
      await roundTrips(s, () => ({ i: 1 }), n.warmup);
      await throughput(s, n.frames);
    }
    peers = (await PeerServer.start("bench/pipeline_peers.py", [VENV_PYTHON, join(BENCH, "pipeline_peers.py")])).server;
    const p = peers;
    const log = (what: string) => (l: string) => o.log(`pipelines ${what} ${l}`);
    const hop = await interleave(
      { hop_bun: () => roundTrips(sessions.hop_bun, () => ({ i: 1 }), n.samples), hop_python: () => roundTrips(sessions.hop_python, () => ({ i: 1 }), n.samples), pipe_rtt: () => p.call("pipe_rtt", n.samples) },
      { rounds: n.rounds, log: log("one hop") },
    );
    const chain1mib = (name: Name) => () => roundTrips(sessions[name], () => buffer, n.big);
    const mib = await interleave(
      { chain_bun: chain1mib("chain_bun"), chain_mixed: chain1mib("chain_mixed"), chain_python: chain1mib("chain_python"), pipe_1mib: () => p.call("pipe_1mib", n.big) },
      { rounds: n.rounds, warmup: true, log: log("1 MiB") },
    );
    const fps = await interleave(
      {
        chain_python: () => throughput(sessions.chain_python, n.frames), chain_bun: () => throughput(sessions.chain_bun, n.frames), chain_mixed: () => throughput(sessions.chain_mixed, n.frames),
        queue_chain: () => p.call("queue_chain", n.frames), pipe_chain: () => p.call("pipe_chain", n.frames),
      },
      { rounds: n.rounds, log: log("frames/s") },
    );
    for (const s of Object.values(sessions)) await s.terminate();
    return { rows: rowsOf(floor, hop, mib, fps), figures: { sizes: n, socket_rtt_us: floor, hop_rtt_us: hop, chain_1mib_us: mib, chain_fps: fps } };
  } finally {
    await peers?.close();
    await stop();
  }
}

export const pipelines: Section = { name: "pipelines", title: "pipeline sessions: one hop, 1 MiB through 3 nodes, frames/s (vs multiprocessing Queue and Pipe chains)", run };
