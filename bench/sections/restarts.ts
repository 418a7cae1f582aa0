/**
 * restarts: `kill -9` of a worker until work can go on, interleaved kill by kill (one kill of
 * each runner per round, the order reversed every other round).
 *
 *   first restarts   gaia's Bun and Python workers against PM2 and supervisord restarting a
 *                    Python child, until the replacement is ready (bench/restart.ts)
 *   with a spare     `spares = 1` (SPEC §1): the spare's process takes the killed worker's
 *                    place (`process.promoted`); measured from the kill until /v1/workers shows
 *                    the worker idle on the spare's pid, so a job can run on it (one is run
 *                    there to check), for a Bun pool and for a Python pool importing numpy
 *   numpy, no spare  the same numpy worker restarted from scratch (kill → ready), the figure
 *                    the spare saves
 *
 * Each gaia pool has as many workers as there are rounds, so each kill is that worker's first
 * crash; the spare pools have one worker, killed every round, and the next kill waits for the
 * new spare behind it (its start is backed off on repeated crashes, as SPEC §1 says).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGaia, stopGaia, untilWorkers } from "../gaia-side.ts";
import { RawHttpClient } from "../http-client.ts";
import { formatSpread, interleave, ratios, sideSummary, type Blocks, type Side } from "../interleave.ts";
import { ensureNumpy, NUMPY_TASKS, VENV_PYTHON } from "../python-side.ts";
import { gaiaRunner, pm2Runner, supervisordRunner, type Missing, type Runner } from "../restart.ts";
import { fmt, type Options, type Row, type Section } from "./types.ts";

/**
 * A pool of one worker and one spare; each kill() is measured until /v1/workers shows the
 * worker idle on the spare's pid (the IO engine dispatches to it from then on), and a job
 * sent then must run there in one attempt. The job is sent after, not at, the kill: one sent
 * in the instant before the IO engine has seen the worker's socket close is dispatched to the
 * dead worker, ends `worker_lost` and waits out its retry backoff (about a second here).
 */
async function spareRunner(runtime: "bun" | "python"): Promise<Runner> {
  const pool = runtime === "bun" ? { name: "w", size: 1, spares: 1 } : { name: "w", runtime: "python", python: VENV_PYTHON, size: 1, spares: 1, modules: ["tasks.py"] };
  const job = runtime === "bun" ? '{"task":"echo","payload":1}' : '{"task":"np.sum","payload":10}';
  const g = await startGaia(1, [pool], { files: runtime === "python" ? { "tasks.py": NUMPY_TASKS } : {} });
  const client = await RawHttpClient.connect(g.socket);
  return {
    async kill() {
      const [worker, spare] = await untilWorkers(g, "the worker and a ready spare", (ws) => {
        const w = ws.find((x) => x.id === "w-0" && x.state === "idle");
        const s = ws.find((x) => x.id === "w-s0" && x.state === "spare");
        return w && s && ([w, s] as const);
      });
      const t0 = performance.now();
      process.kill(worker.pid, "SIGKILL");
      await untilWorkers(g, "the spare in the worker's place", (ws) => ws.some((w) => w.id === "w-0" && w.pid === spare.pid && w.state === "idle"));
      const ms = performance.now() - t0;
      const body = JSON.parse((await client.request("POST", "/v1/jobs?wait=30", job)).body);
      if (body.state !== "succeeded" || body.worker?.pid !== spare.pid || body.attempts !== 1) throw new Error(`bench: the job after the promotion did not run on the spare (pid ${spare.pid}) at once: ${JSON.stringify(body).slice(0, 300)}`);
      return ms;
    },
    async stop() {
      client.close();
      await stopGaia(g);
    },
  };
}

type Runners = Record<string, Runner | Missing>;

const LABELS: Record<string, string> = { gaia_bun: "Bun", gaia_py: "Python", pm2: "PM2", supervisord: "supervisord", bun_spare: "Bun, spare", numpy_spare: "numpy, spare", numpy_restart: "numpy, no spare" };

function rowsOf(blocks: Blocks, runners: Runners, n: number): Row[] {
  const p50 = (side: string) => {
    const r = runners[side]!;
    return "missing" in r ? `missing: ${r.missing}` : fmt(sideSummary(blocks[side]!).ms!, 1);
  };
  const vs = (side: string, peer: string) => ("missing" in runners[peer]! ? null : `${formatSpread(ratios(blocks, { of: side, to: peer, key: "ms", better: "lower" }))} ${LABELS[peer]}`);
  const peers = `PM2 ${p50("pm2")} · supervisord ${p50("supervisord")}`;
  const against = (side: string, target: string) => [vs(side, "pm2"), vs(side, "supervisord"), target].filter(Boolean).join(" · ");
  return [
    [`first restart, Bun worker p50 (ms)`, p50("gaia_bun"), peers, against("gaia_bun", `target ≤ 50 ms; ${n} kills each`)],
    [`first restart, Python worker p50 (ms)`, p50("gaia_py"), peers, against("gaia_py", "target ≤ 100 ms")],
    [`Bun worker, spare: kill → a job can run on it p50 (ms)`, p50("bun_spare"), "-", `${vs("bun_spare", "gaia_bun")} restart · target ≤ 5 ms`],
    [`numpy worker, spare: kill → a job can run on it p50 (ms)`, p50("numpy_spare"), "-", `${vs("numpy_spare", "numpy_restart")} restart · target ≤ 10 ms`],
    [`numpy worker, no spare: kill → ready p50 (ms)`, p50("numpy_restart"), "-", "the restart a spare saves"],
  ];
}

async function run(o: Options) {
  ensureNumpy();
  const n = o.quick ? 3 : 10; // rounds; ≤ restart.intensity (10) crashes per pool, so no pool is crashlooping
  const dir = mkdtempSync(join(tmpdir(), "gaia-restart-"));
  const runners: Runners = {};
  try {
    runners.gaia_bun = await gaiaRunner("bun", n);
    runners.gaia_py = await gaiaRunner("python", n);
    runners.pm2 = await pm2Runner(dir, join(import.meta.dir, "../.peers"), n);
    runners.supervisord = await supervisordRunner(dir, n);
    runners.bun_spare = await spareRunner("bun");
    runners.numpy_spare = await spareRunner("python");
    runners.numpy_restart = await gaiaRunner("python", n, NUMPY_TASKS);
    const sides: Record<string, Side> = {};
    for (const [name, r] of Object.entries(runners)) if (!("missing" in r)) sides[name] = async () => ({ ms: await r.kill() });
    const blocks = await interleave(sides, { rounds: n, log: (l) => o.log(`restarts ${l}`) });
    const missing = Object.fromEntries(Object.entries(runners).filter(([, r]) => "missing" in r));
    return { rows: rowsOf(blocks, runners, n), figures: { kills_each: n, ms: blocks, missing } };
  } finally {
    for (const r of Object.values(runners)) if (!("missing" in r)) await r.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const restarts: Section = { name: "restarts", title: "kill -9 of a worker until work goes on (vs PM2, supervisord; with spares)", run };
