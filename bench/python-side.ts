/**
 * The Python half of gaia's benchmark: the same round trip and throughput on a pool of
 * Python workers, and how long a worker that imports numpy takes to be ready again after a
 * `kill -9` (the supervisor restarts it; ready is its hello).
 */
import { ensureVenv, VENV_PYTHON } from "../python/run-tests.ts";
import { percentile, roundTrip, startGaia, stopGaia, throughput } from "./gaia-side.ts";

/** .venv with numpy, for the start-up measure (installed once, from PyPI). */
export function ensureNumpy(): void {
  ensureVenv();
  if (Bun.spawnSync([VENV_PYTHON, "-c", "import numpy"]).success) return;
  const pip = Bun.spawnSync([VENV_PYTHON, "-m", "pip", "install", "--quiet", "numpy"], { stdout: "inherit", stderr: "inherit" });
  if (!pip.success) throw new Error("bench: cannot install numpy into .venv");
}

export async function pythonFigures(workers: number, n: { roundtrips: number; warmup: number; jobs: number; restarts: number }) {
  ensureNumpy();
  const pool = { name: "py", runtime: "python", python: VENV_PYTHON, size: workers };
  const g = await startGaia(workers, [pool]);
  let figures;
  try {
    figures = { roundtrip_us: await roundTrip(g, n.roundtrips, n.warmup), throughput: await throughput(g, n.jobs) };
  } finally {
    await stopGaia(g);
  }
  return { ...figures, numpy_worker_ready_ms: await numpyRestart(pool, n.restarts) };
}

/** Median time from `kill -9` of a numpy-importing worker until its replacement said hello. */
async function numpyRestart(pool: Record<string, unknown>, restarts: number) {
  const module = "import numpy\nfrom gaia_worker import task\n\n@task('np.sum')\ndef total(payload, ctx):\n    return float(numpy.arange(payload).sum())\n";
  const g = await startGaia(1, [{ ...pool, size: 1, modules: ["np_tasks.py"] }], { "np_tasks.py": module });
  const samples: number[] = [];
  try {
    await until(g, async (w) => w.state === "idle");
    for (let i = 0; i < restarts; i++) {
      const before = (await workers(g))[0];
      const t0 = performance.now();
      process.kill(before.pid, "SIGKILL");
      await until(g, async (w) => w.pid !== before.pid && w.state === "idle");
      samples.push(performance.now() - t0);
      await Bun.sleep(200);
    }
  } finally {
    await stopGaia(g);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), all: samples };
}

async function workers(g: { socket: string }) {
  return ((await (await fetch("http://gaia/v1/workers", { unix: g.socket } as RequestInit)).json()) as { workers: any[] }).workers;
}

async function until(g: { socket: string }, ok: (w: any) => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const w = (await workers(g))[0];
    if (w && (await ok(w))) return;
    await Bun.sleep(1);
  }
  throw new Error("bench: the worker did not become ready within 60 s");
}
