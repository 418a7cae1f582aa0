/**
 * The array benchmark (issue: large arrays through shared memory), runnable alone after a
 * build: `bun bench/arrays.ts [--mib N]` (default 1024).
 *
 *   upload       a .npy file of N MiB through POST /v1/arrays on the control socket: into a
 *                new file, then (that array deleted) into the spare its file became
 *   job          a Python task that sums an N MiB float32 input and writes an output of the
 *                same size (2 * input), timed from submit to the finished job (?wait=); the
 *                median of 5 jobs on one input, each output deleted after its job (the first
 *                maps the input and gets fresh pages; later ones find both ready, as a
 *                process repeating the computation finds its freed memory)
 *   peers        the same computation in one process (the floor), through
 *                multiprocessing.Pool by pickling, and through multiprocessing.shared_memory
 *                by hand (bench/array_peers.py), in the same run
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VENV_PYTHON } from "../python/run-tests.ts";
import { startGaia, stopGaia, type Running } from "./gaia-side.ts";
import { ensureNumpy } from "./python-side.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function call(g: Running, method: string, path: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(`http://gaia${path}`, { ...init, method, unix: g.socket } as RequestInit);
  const body = await res.json();
  if (res.status >= 400) throw new Error(`bench: ${method} ${path} → ${res.status} ${JSON.stringify(body)}`);
  return body;
}

export async function arrayFigures(mib: number, repeat: number) {
  ensureNumpy();
  const scratch = mkdtempSync(join(tmpdir(), "gaia-bench-arrays-"));
  const npy = join(scratch, "x.npy");
  const made = Bun.spawnSync([VENV_PYTHON, "-c", `import numpy as np; np.save(r"${npy}", np.ones(${mib} * 1024 * 1024 // 4, dtype=np.float32))`], { stderr: "inherit" });
  if (!made.success) throw new Error("bench: cannot write the input .npy");
  const module = readFileSync(join(import.meta.dir, "array_tasks.py"), "utf8");
  const g = await startGaia(1, [{ name: "py", runtime: "python", python: VENV_PYTHON, size: 1, modules: ["array_tasks.py"] }], { "array_tasks.py": module });
  const uploads: number[] = [];
  const jobs: number[] = [];
  try {
    let input = "";
    for (let i = 0; i < 2; i++) {
      if (input) await call(g, "DELETE", `/v1/arrays/${input}`);
      const t0 = performance.now();
      const up = await call(g, "POST", "/v1/arrays", { body: Bun.file(npy), headers: { "content-type": "application/x-npy" } });
      uploads.push((performance.now() - t0) / 1000);
      input = up.name;
    }
    for (let i = 0; i < repeat; i++) {
      const t0 = performance.now();
      const job = await call(g, "POST", "/v1/jobs?wait=600", { body: JSON.stringify({ task: "bench.sum_double", arrays: { x: input } }), headers: { "content-type": "application/json" } });
      jobs.push((performance.now() - t0) / 1000);
      if (job.state !== "succeeded") throw new Error(`bench: the array job ${job.state}: ${JSON.stringify(job.error)}`);
      if (job.result.sum !== (mib * 1024 * 1024) / 4) throw new Error(`bench: wrong sum ${job.result.sum}`);
      await call(g, "DELETE", `/v1/arrays/${job.result_arrays.y}`);
    }
  } finally {
    await stopGaia(g);
    rmSync(scratch, { recursive: true, force: true });
  }
  const peers = Bun.spawnSync([VENV_PYTHON, join(import.meta.dir, "array_peers.py"), "--mib", String(mib), "--repeat", String(repeat)], { stderr: "inherit" });
  if (!peers.success) throw new Error("bench/array_peers.py failed");
  const p = JSON.parse(peers.stdout.toString()) as Record<"floor_fresh" | "floor_warm" | "pool_pickle" | "shared_memory", number[]>;
  return {
    mib,
    upload_s: { fresh: uploads[0]!, reused: uploads[1]!, mib_per_s_fresh: mib / uploads[0]!, mib_per_s_reused: mib / uploads[1]! },
    gaia_job_s: { median: median(jobs), all: jobs },
    floor_fresh_s: { median: median(p.floor_fresh), all: p.floor_fresh },
    floor_warm_s: { median: median(p.floor_warm), all: p.floor_warm },
    pool_pickle_s: { median: median(p.pool_pickle), all: p.pool_pickle },
    shared_memory_s: { median: median(p.shared_memory), all: p.shared_memory },
  };
}

export type ArrayFigures = Awaited<ReturnType<typeof arrayFigures>>;

const f = (n: number, d = 2) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

export function arrayRows(a: ArrayFigures): [string, string, string, string][] {
  const label = a.mib === 1024 ? "1 GiB" : `${a.mib} MiB`;
  return [
    [`arrays: ${label} sum + output, submit → done (s)`, f(a.gaia_job_s.median, 3),
      `floor fresh ${f(a.floor_fresh_s.median, 3)} · floor warm ${f(a.floor_warm_s.median, 3)} · shared_memory ${f(a.shared_memory_s.median, 3)} · Pool pickling ${f(a.pool_pickle_s.median, 3)}`,
      `${f(a.gaia_job_s.median / a.floor_fresh_s.median)}× fresh floor, ${f(a.gaia_job_s.median / a.floor_warm_s.median)}× warm (target ≤ 1.5×) · ${f(a.pool_pickle_s.median / a.gaia_job_s.median, 1)}× faster than pickling (target ≥ 20×)`],
    [`arrays: ${label} .npy upload (MiB/s)`, `${f(a.upload_s.mib_per_s_fresh, 0)} · ${f(a.upload_s.mib_per_s_reused, 0)}`, "-", `into a new file (${f(a.upload_s.fresh, 3)} s) · into a spare (${f(a.upload_s.reused, 3)} s)`],
  ];
}

if (import.meta.main) {
  const at = process.argv.indexOf("--mib");
  const figures = await arrayFigures(at > 0 ? Number(process.argv[at + 1]) : 1024, 5);
  for (const row of arrayRows(figures)) console.log(row.join("  |  "));
  console.log(JSON.stringify(figures));
}
