/**
 * arrays: large arrays through shared memory.
 *
 *   job      a Python task that sums an N MiB float32 input and writes an output of the same
 *            size (2 * input), timed from submit to the finished job (?wait=), one job per
 *            round on one uploaded input, each output deleted after its job (the first maps
 *            the input and gets fresh pages; later ones find both ready, as a process
 *            repeating the computation finds its freed memory)
 *   peers    the same computation in one process (the floor: `fresh` in a forked child with
 *            new output pages, `warm` repeated in one process), through multiprocessing.Pool
 *            by pickling, and through multiprocessing.shared_memory by hand
 *            (bench/array_peers.py, kept running), interleaved with gaia's jobs
 *   upload   a .npy file of N MiB through POST /v1/arrays: into a new file, then (that array
 *            deleted) into the spare its file became (no peer)
 *
 * N is 1024 (256 with --quick).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGaia, stopGaia, type Running } from "../gaia-side.ts";
import { formatSpread, interleave, ratios, sideSummary, type Blocks } from "../interleave.ts";
import { PeerServer } from "../peer-server.ts";
import { ensureNumpy, VENV_PYTHON } from "../python-side.ts";
import { fmt, rounds, type Options, type Row, type Section } from "./types.ts";

async function call(g: Running, method: string, path: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(`http://gaia${path}`, { ...init, method, unix: g.socket } as RequestInit);
  const body = await res.json();
  if (res.status >= 400) throw new Error(`bench: ${method} ${path} → ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Two uploads of the .npy (new file, then a spare); the name of the input left uploaded. */
async function uploads(g: Running, npy: string) {
  const seconds: number[] = [];
  let input = "";
  for (let i = 0; i < 2; i++) {
    if (input) await call(g, "DELETE", `/v1/arrays/${input}`);
    const t0 = performance.now();
    const up = await call(g, "POST", "/v1/arrays", { body: Bun.file(npy), headers: { "content-type": "application/x-npy" } });
    seconds.push((performance.now() - t0) / 1000);
    input = up.name;
  }
  return { input, fresh: seconds[0]!, reused: seconds[1]! };
}

async function job(g: Running, input: string, mib: number) {
  const t0 = performance.now();
  const done = await call(g, "POST", "/v1/jobs?wait=600", { body: JSON.stringify({ task: "bench.sum_double", arrays: { x: input } }), headers: { "content-type": "application/json" } });
  const s = (performance.now() - t0) / 1000;
  if (done.state !== "succeeded") throw new Error(`bench: the array job ${done.state}: ${JSON.stringify(done.error)}`);
  if (done.result.sum !== (mib * 1024 * 1024) / 4) throw new Error(`bench: wrong sum ${done.result.sum}`);
  await call(g, "DELETE", `/v1/arrays/${done.result_arrays.y}`);
  return { s };
}

function rowsOf(mib: number, b: Blocks, up: { fresh: number; reused: number }): Row[] {
  const label = mib === 1024 ? "1 GiB" : `${mib} MiB`;
  const s = (side: string) => fmt(sideSummary(b[side]!).s!, 3);
  const vs = (to: string, invert = false) => formatSpread(ratios(b, { of: "gaia", to, key: "s", better: "lower", invert }));
  return [
    [`arrays: ${label} sum + output, submit → done (s)`, s("gaia"), `floor fresh ${s("floor_fresh")} · warm ${s("floor_warm")} · shared_memory ${s("shared_memory")} · Pool pickling ${s("pool_pickle")}`,
      `${vs("floor_fresh")} fresh floor · ${vs("floor_warm")} warm (target ≤ 1.5×)`],
    [`arrays: ${label}, gaia vs Pool pickling (s)`, s("gaia"), `Pool pickling ${s("pool_pickle")}`, `${vs("pool_pickle", true)} faster · target ≥ 20×`],
    [`arrays: ${label} .npy upload (MiB/s)`, `${fmt(mib / up.fresh)} · ${fmt(mib / up.reused)}`, "-", `into a new file (${fmt(up.fresh, 3)} s) · into a spare (${fmt(up.reused, 3)} s)`],
  ];
}

async function run(o: Options) {
  ensureNumpy();
  const mib = o.quick ? 256 : 1024;
  const scratch = mkdtempSync(join(tmpdir(), "gaia-bench-arrays-"));
  const npy = join(scratch, "x.npy");
  let g: Running | undefined;
  let peers: PeerServer | undefined;
  try {
    const made = Bun.spawnSync([VENV_PYTHON, "-c", `import numpy as np; np.save(r"${npy}", np.ones(${mib} * 1024 * 1024 // 4, dtype=np.float32))`], { stderr: "inherit" });
    if (!made.success) throw new Error("bench: cannot write the input .npy");
    const module = readFileSync(join(import.meta.dir, "../array_tasks.py"), "utf8");
    g = await startGaia(1, [{ name: "py", runtime: "python", python: VENV_PYTHON, size: 1, modules: ["array_tasks.py"] }], { files: { "array_tasks.py": module } });
    const up = await uploads(g, npy);
    rmSync(npy); // the peer makes its own input; the file would only hold memory (tmpfs) or disk
    peers = (await PeerServer.start("bench/array_peers.py", [VENV_PYTHON, join(import.meta.dir, "../array_peers.py"), "--mib", String(mib)])).server;
    const [gaia, p] = [g, peers];
    const blocks = await interleave(
      {
        gaia: () => job(gaia, up.input, mib),
        floor_fresh: () => p.call("floor_fresh"),
        floor_warm: () => p.call("floor_warm"),
        shared_memory: () => p.call("shared_memory"),
        pool_pickle: () => p.call("pool_pickle"),
      },
      { rounds: rounds(o.quick, 5), log: (l) => o.log(`arrays ${l}`) },
    );
    return { rows: rowsOf(mib, blocks, up), figures: { mib, upload_s: { fresh: up.fresh, reused: up.reused }, seconds: blocks } };
  } finally {
    await peers?.close();
    if (g) await stopGaia(g);
    rmSync(scratch, { recursive: true, force: true });
  }
}

export const arrays: Section = { name: "arrays", title: "a large float32 array through a Python job (vs one process, Pool pickling, shared_memory)", run };
