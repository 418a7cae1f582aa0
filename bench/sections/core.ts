/**
 * core: gaia's job path against Python's own process pools (bench/peers.py, kept running).
 *
 *   round trip   sequential `echo` through POST /v1/jobs?wait= on the socket, on a pool of 2 Bun
 *                workers and on a pool of 2 Python workers, against multiprocessing.Pool.apply
 *                and ProcessPoolExecutor.submit().result() (2 workers each); p50/p99 per block
 *   throughput   100,000 `echo` jobs through /v1/jobs/batch until all are terminal, journal on,
 *                against Pool.apply_async and ProcessPoolExecutor.submit
 *   start-up     `gaia start` until /ready answers 200, two Bun workers (median of 5)
 *   idle CPU     every gaia process over 10 s of idleness (after 3 s to settle), % of one core
 *
 * The two gaias and the peer server stay up through every round; the round trip and the
 * throughput are interleaved (bench/interleave.ts) across all four sides.
 */
import { join } from "node:path";
import { idleCpuPercent, roundTrip, startGaia, stopGaia, throughput, type Running } from "../gaia-side.ts";
import { formatSpread, interleave, median, ratios, sideSummary, type Blocks } from "../interleave.ts";
import { PeerServer } from "../peer-server.ts";
import { VENV_PYTHON } from "../python-side.ts";
import { fmt, rounds, type Options, type Row, type Section } from "./types.ts";

export const WORKERS = 2;

/** The standard-library pools as a server (bench/peers.py); `.call("roundtrip", "pool_apply", n)`. */
async function startStdlibPeers(): Promise<PeerServer> {
  return (await PeerServer.start("bench/peers.py", [VENV_PYTHON, join(import.meta.dir, "../peers.py"), "--workers", String(WORKERS)])).server;
}

/** Start-ups until /ready (the first one's gaia then measures idleness), one at a time. */
async function startAndIdle(o: Options) {
  const starts: number[] = [];
  let idle = NaN;
  for (let i = 0; i < (o.quick ? 2 : 5); i++) {
    const g = await startGaia(WORKERS);
    starts.push(g.readyMs);
    try {
      if (i === 0) idle = await idleCpuPercent(g, o.quick ? 2 : 10);
    } finally {
      await stopGaia(g);
    }
  }
  return { start_ms: { median: median(starts), all: starts }, idle_cpu_percent: idle };
}

const lat = (b: Blocks, side: string) => sideSummary(b[side]!);

function rowsOf(rt: Blocks, tp: Blocks, startIdle: Awaited<ReturnType<typeof startAndIdle>>): Row[] {
  const apply = lat(rt, "pool_apply");
  const ppe = lat(rt, "ppe");
  const async_ = lat(tp, "pool_apply_async");
  const ppeTp = lat(tp, "ppe_submit");
  const rtPeers = (k: "p50" | "p99") => `Pool.apply ${fmt(apply[k]!)} · PPE ${fmt(ppe[k]!)}`;
  const tpPeers = `apply_async ${fmt(async_.per_s!)} · PPE ${fmt(ppeTp.per_s!)}`;
  const rows: Row[] = [];
  for (const [side, label, tpTarget] of [["gaia_bun", "Bun pool", "target ≥ 1.5×"], ["gaia_py", "Python pool", "target ≥ 1.0×"]] as const) {
    const g = lat(rt, side);
    rows.push(
      [`${label}: round trip p50 (µs)`, fmt(g.p50!), rtPeers("p50"), `${formatSpread(ratios(rt, { of: side, to: "pool_apply", key: "p50", better: "lower" }))} Pool.apply · target ≤ 1.5×`],
      [`${label}: round trip p99 (µs)`, fmt(g.p99!), rtPeers("p99"), `${formatSpread(ratios(rt, { of: side, to: "pool_apply", key: "p99", better: "lower" }))} Pool.apply`],
      [`${label}: throughput (jobs/s)`, fmt(lat(tp, side).per_s!), tpPeers, `${formatSpread(ratios(tp, { of: side, to: "pool_apply_async", key: "per_s", better: "higher" }))} apply_async · ${tpTarget}`],
    );
  }
  rows.push(
    ["start → /ready (ms)", fmt(startIdle.start_ms.median, 1), "-", `median of ${startIdle.start_ms.all.length} · target ≤ 300 ms`],
    [`idle CPU (% of a core)`, fmt(startIdle.idle_cpu_percent, 2), "-", "target < 1%"],
  );
  return rows;
}

async function run(o: Options) {
  const n = { roundtrips: o.quick ? 300 : 2000, jobs: o.quick ? 10_000 : 100_000, rounds: rounds(o.quick) };
  const startIdle = await startAndIdle(o);
  const gaias: Running[] = [];
  let peers: PeerServer | undefined;
  try {
    const bun = await startGaia(WORKERS);
    gaias.push(bun);
    const py = await startGaia(WORKERS, [{ name: "py", runtime: "python", python: VENV_PYTHON, size: WORKERS }]);
    gaias.push(py);
    peers = await startStdlibPeers();
    const p = peers;
    const log = (l: string) => o.log(`core round trip ${l}`);
    const rt = await interleave(
      {
        gaia_bun: () => roundTrip(bun, n.roundtrips),
        gaia_py: () => roundTrip(py, n.roundtrips),
        pool_apply: () => p.call("roundtrip", "pool_apply", n.roundtrips),
        ppe: () => p.call("roundtrip", "ppe", n.roundtrips),
      },
      { rounds: n.rounds, warmup: true, log },
    );
    const tp = await interleave(
      {
        gaia_bun: () => throughput(bun, n.jobs),
        gaia_py: () => throughput(py, n.jobs),
        pool_apply_async: () => p.call("throughput", "pool_apply_async", n.jobs),
        ppe_submit: () => p.call("throughput", "ppe_submit", n.jobs),
      },
      { rounds: n.rounds, log: (l) => o.log(`core throughput ${l}`) },
    );
    return { rows: rowsOf(rt, tp, startIdle), figures: { workers: WORKERS, sizes: n, ...startIdle, roundtrip_us: rt, throughput: tp } };
  } finally {
    await peers?.close();
    for (const g of gaias) await stopGaia(g);
  }
}

export const core: Section = { name: "core", title: "jobs: round trip, throughput, start-up, idle CPU (vs multiprocessing.Pool, ProcessPoolExecutor)", run };
