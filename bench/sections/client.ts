/**
 * client: the Python client (python/gaia_worker: `Client`, `GaiaExecutor`) against Python's
 * own pools, all driven from one Python process (bench/client_peers.py, kept running) against
 * a gaia with a Python pool of 2 serving bench/client_tasks.py:
 *
 *   round trip   `Client.submit(...).result()` (and `Client.call`) vs Pool.apply and PPE
 *   map          `GaiaExecutor.map` over 20,000 no-op payloads vs `ProcessPoolExecutor.map`
 *   array        a 256 MiB float32 input and its double as output through the client on the
 *                same host (mapped, not copied) vs ProcessPoolExecutor pickling both ways
 */
import { join } from "node:path";
import { startGaia, stopGaia, type Running } from "../gaia-side.ts";
import { formatSpread, interleave, ratios, sideSummary, type Blocks } from "../interleave.ts";
import { PeerServer } from "../peer-server.ts";
import { ensureNumpy, VENV_PYTHON } from "../python-side.ts";
import { fmt, rounds, type Options, type Row, type Section } from "./types.ts";

function rowsOf(rt: Blocks, map: Blocks, arr: Blocks, n: { map: number; mib: number }): Row[] {
  const m = (b: Blocks, side: string, key: string, d = 0) => fmt(sideSummary(b[side]!)[key]!, d);
  const vs = (b: Blocks, of: string, to: string, key: string, better: "higher" | "lower", invert = false) => formatSpread(ratios(b, { of, to, key, better, invert }));
  const peers = (k: string) => `Pool.apply ${m(rt, "pool_apply", k)} · PPE ${m(rt, "ppe", k)}`;
  return [
    ["Client.submit().result() p50 (µs)", m(rt, "gaia", "p50"), peers("p50"), `${vs(rt, "gaia", "pool_apply", "p50", "lower")} Pool.apply · ${vs(rt, "gaia", "ppe", "p50", "lower")} PPE · target ≤ 1.5× Pool.apply`],
    ["Client.submit().result() p99 (µs)", m(rt, "gaia", "p99"), peers("p99"), `${vs(rt, "gaia", "pool_apply", "p99", "lower")} Pool.apply`],
    ["Client.call p50 (µs)", m(rt, "gaia_call", "p50"), peers("p50"), `${vs(rt, "gaia_call", "pool_apply", "p50", "lower")} Pool.apply · ${vs(rt, "gaia_call", "ppe", "p50", "lower")} PPE`],
    [`GaiaExecutor.map, ${fmt(n.map)} no-ops (jobs/s)`, m(map, "gaia", "per_s"), `PPE.map ${m(map, "ppe", "per_s")}`, `${vs(map, "gaia", "ppe", "per_s", "higher")} PPE.map · target ≥ 2×`],
    [`client: ${n.mib} MiB float32 in and out (s)`, m(arr, "gaia", "s", 3), `PPE pickling ${m(arr, "ppe", "s", 3)}`, `${vs(arr, "gaia", "ppe", "s", "lower", true)} faster · target ≥ 20×`],
  ];
}

async function run(o: Options) {
  ensureNumpy();
  const n = { roundtrips: o.quick ? 100 : 1000, map: o.quick ? 2000 : 20_000, mib: o.quick ? 64 : 256, rounds: rounds(o.quick) };
  let g: Running | undefined;
  let peers: PeerServer | undefined;
  try {
    const pools = [{ name: "default", size: 1 }, { name: "py", runtime: "python", python: VENV_PYTHON, size: 2, modules: [join(import.meta.dir, "../client_tasks.py")] }];
    g = await startGaia(2, pools);
    peers = (await PeerServer.start("bench/client_peers.py", [VENV_PYTHON, join(import.meta.dir, "../client_peers.py"), "--socket", g.socket, "--array-mib", String(n.mib)])).server;
    const p = peers;
    const log = (what: string) => (l: string) => o.log(`client ${what} ${l}`);
    const rt = await interleave(
      { gaia: () => p.call("gaia_roundtrip", n.roundtrips), gaia_call: () => p.call("gaia_call", n.roundtrips), pool_apply: () => p.call("pool_apply", n.roundtrips), ppe: () => p.call("ppe_roundtrip", n.roundtrips) },
      { rounds: n.rounds, log: log("round trip") },
    );
    const map = await interleave({ gaia: () => p.call("gaia_map", n.map), ppe: () => p.call("ppe_map", n.map) }, { rounds: n.rounds, log: log("map") });
    const arr = await interleave({ gaia: () => p.call("gaia_array"), ppe: () => p.call("ppe_array") }, { rounds: n.rounds, log: log("array") });
    return { rows: rowsOf(rt, map, arr, n), figures: { sizes: n, roundtrip_us: rt, map, array_s: arr } };
  } finally {
    await peers?.close();
    if (g) await stopGaia(g);
  }
}

export const client: Section = { name: "client", title: "the Python client: Client, GaiaExecutor (vs Pool, ProcessPoolExecutor)", run };
