/**
 * `npm run bench`: gaia and its peers, side by side in one run on this machine.
 *
 *   round trip   sequential `echo` through POST /v1/jobs?wait= on the socket (2 Bun workers)
 *                vs multiprocessing.Pool.apply and ProcessPoolExecutor.submit().result()
 *   throughput   100,000 `echo` jobs through /v1/jobs/batch until all are terminal, journal on,
 *                vs Pool.apply_async and ProcessPoolExecutor.submit
 *   start-up     `gaia start` until /ready answers 200, two Bun workers (median of 5)
 *   idle CPU     every gaia process over 10 s of idleness (after 3 s to settle), % of one core
 *   Python pool  the round trip and throughput again on 2 Python workers, against the same
 *                peers; and kill -9 of a worker that imports numpy until its replacement is
 *                ready (median of 5)
 *   restarts     kill -9 of a worker until its replacement is ready: gaia's Bun and Python
 *                workers against PM2 and supervisord restarting a Python child (bench/restart.ts)
 *   arrays       a 1 GiB float32 input summed into an output of the same size by a Python
 *                task, submit → done, against the same computation in one process, through
 *                multiprocessing.Pool by pickling and through shared_memory by hand; and a
 *                1 GiB .npy upload (bench/arrays.ts)
 *   schedules    firing lateness of a 1 s cron schedule, p50 and p99 over 60 runs
 *                (bench/schedules.ts)
 *   events       a job's end until its event reaches an SSE client of /v1/events, idle and
 *                under a batch run, and throughput with a subscriber (bench/events.ts)
 *
 * Prints a table with ratios and writes it as JSON to bench/results/. Flags:
 *   --quick   fewer samples (a smoke run, not figures to report)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { idleCpuPercent, roundTrip, startGaia, stopGaia, throughput } from "./gaia-side.ts";
import { pythonFigures } from "./python-side.ts";
import { eventFigures } from "./events.ts";
import { restartFigures } from "./restart.ts";
import { arrayFigures, arrayRows, type ArrayFigures } from "./arrays.ts";
import { scheduleLateness } from "./schedules.ts";
import { benchSvg } from "./svg.ts";

const quick = process.argv.includes("--quick");
const N = { roundtrips: quick ? 300 : 2000, warmup: 200, jobs: quick ? 10_000 : 100_000, starts: quick ? 2 : 5, idleS: quick ? 2 : 10 };
const WORKERS = 2;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

async function gaiaFigures() {
  const starts: number[] = [];
  for (let i = 0; i < N.starts - 1; i++) {
    const g = await startGaia(WORKERS);
    starts.push(g.readyMs);
    await stopGaia(g);
  }
  const g = await startGaia(WORKERS);
  starts.push(g.readyMs);
  try {
    const idle = await idleCpuPercent(g, N.idleS);
    const rt = await roundTrip(g, N.roundtrips, N.warmup);
    const tp = await throughput(g, N.jobs);
    return { start_ms: { median: median(starts), all: starts }, idle_cpu_percent: idle, roundtrip_us: rt, throughput: tp };
  } finally {
    await stopGaia(g);
  }
}

function peerFigures() {
  const args = ["bench/peers.py", "--workers", String(WORKERS), "--roundtrips", String(N.roundtrips), "--throughput-jobs", String(N.jobs)];
  const proc = Bun.spawnSync(["python3", ...args], { cwd: join(import.meta.dir, ".."), stderr: "inherit" });
  if (!proc.success) throw new Error("bench/peers.py failed");
  return JSON.parse(proc.stdout.toString());
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

type Restarts = Awaited<ReturnType<typeof restartFigures>>;
const restartCell = (f: Restarts[keyof Restarts]) => ("missing" in f ? `missing: ${f.missing}` : fmt(f.p50, 1));

type Schedules = Awaited<ReturnType<typeof scheduleLateness>>;
type Events = Awaited<ReturnType<typeof eventFigures>>;

function report(gaia: Awaited<ReturnType<typeof gaiaFigures>>, py: Awaited<ReturnType<typeof pythonFigures>>, restarts: Restarts, schedules: Schedules, events: Events, peers: any, arrays: ArrayFigures) {
  const apply = peers.roundtrip_us.pool_apply;
  const ppe = peers.roundtrip_us.ppe_submit_result;
  const async_ = peers.throughput_jobs_per_s.pool_apply_async;
  const ppeTp = peers.throughput_jobs_per_s.ppe_submit;
  const rows: [string, string, string, string][] = [
    ["round trip p50 (µs)", fmt(gaia.roundtrip_us.p50), `Pool.apply ${fmt(apply.p50)} · PPE ${fmt(ppe.p50)}`, `${fmt(gaia.roundtrip_us.p50 / apply.p50, 2)}× Pool.apply (target ≤ 1.5×)`],
    ["round trip p99 (µs)", fmt(gaia.roundtrip_us.p99), `Pool.apply ${fmt(apply.p99)} · PPE ${fmt(ppe.p99)}`, `${fmt(gaia.roundtrip_us.p99 / apply.p99, 2)}× Pool.apply`],
    ["throughput (jobs/s)", fmt(gaia.throughput.per_s), `apply_async ${fmt(async_.per_s)} · PPE ${fmt(ppeTp.per_s)}`, `${fmt(gaia.throughput.per_s / async_.per_s, 2)}× apply_async (target ≥ 1.5×)`],
    ["start → /ready (ms)", fmt(gaia.start_ms.median, 1), "-", `target ≤ 300 ms`],
    ["Python pool: round trip p50 (µs)", fmt(py.roundtrip_us.p50), `Pool.apply ${fmt(apply.p50)} · PPE ${fmt(ppe.p50)}`, `${fmt(py.roundtrip_us.p50 / apply.p50, 2)}× Pool.apply (target ≤ 1.5×)`],
    ["Python pool: round trip p99 (µs)", fmt(py.roundtrip_us.p99), `Pool.apply ${fmt(apply.p99)} · PPE ${fmt(ppe.p99)}`, `${fmt(py.roundtrip_us.p99 / apply.p99, 2)}× Pool.apply`],
    ["Python pool: throughput (jobs/s)", fmt(py.throughput.per_s), `apply_async ${fmt(async_.per_s)} · PPE ${fmt(ppeTp.per_s)}`, `${fmt(py.throughput.per_s / async_.per_s, 2)}× apply_async (target ≥ 1.0×)`],
    ["numpy worker kill -9 → ready (ms)", fmt(py.numpy_worker_ready_ms.p50, 1), "-", "median of " + py.numpy_worker_ready_ms.all.length],
    ["restart, Bun worker p50 (ms)", restartCell(restarts.gaia_bun), `PM2 ${restartCell(restarts.pm2)} · supervisord ${restartCell(restarts.supervisord)}`, "target ≤ 50 ms"],
    ["restart, Python worker p50 (ms)", restartCell(restarts.gaia_python), `PM2 ${restartCell(restarts.pm2)} · supervisord ${restartCell(restarts.supervisord)}`, "target ≤ 100 ms"],
    ["idle CPU, 10 s (% of a core)", fmt(gaia.idle_cpu_percent, 2), "-", `target < 1%`],
    ...arrayRows(arrays),
    ["schedule lateness p50 (ms)", fmt(schedules.p50_ms), "-", `${schedules.runs} runs of a 1 s cron`],
    ["schedule lateness p99 (ms)", fmt(schedules.p99_ms), "-", "target ≤ 20 ms"],
    ["job end → SSE event, idle p50 (ms)", fmt(events.delay_idle_ms.p50, 2), "-", `p99 ${fmt(events.delay_idle_ms.p99, 2)} ms; target p50 ≤ 5 ms`],
    ["job end → SSE event, loaded p50 (ms)", fmt(events.delay_loaded_ms.p50, 2), "-", `p99 ${fmt(events.delay_loaded_ms.p99, 2)} ms, ${fmt(events.delay_loaded_ms.n)} jobs`],
    ["throughput with an SSE client (jobs/s)", fmt(events.throughput_with_subscriber), "-", `${fmt(events.throughput_without_subscriber)} without, same run`],
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), ["measure", "gaia", "peers", "ratio"][i]!.length));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  console.log(`\n${line(["measure", "gaia", "peers", "ratio"])}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const row of rows) console.log(line(row));
}

const gaia = await gaiaFigures();
const py = await pythonFigures(WORKERS, { roundtrips: N.roundtrips, warmup: N.warmup, jobs: N.jobs, restarts: N.starts });
const restarts = await restartFigures();
const schedules = await scheduleLateness(quick ? 10 : 60);
const events = await eventFigures({ quick });
const peers = peerFigures();
const arrays = await arrayFigures(quick ? 256 : 1024, quick ? 3 : 5);
report(gaia, py, restarts, schedules, events, peers, arrays);
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
mkdirSync(join(import.meta.dir, "results"), { recursive: true });
const out = join(import.meta.dir, "results", `core-${stamp}.json`);
const results = { when: new Date().toISOString(), quick, workers: WORKERS, gaia, python: py, restarts, schedules, events, peers, arrays };
writeFileSync(out, JSON.stringify(results, null, 2));
// Its picture beside it; `bun bench/svg.ts --out docs/bench.svg` copies the newest to the README.
writeFileSync(out.replace(/\.json$/, ".svg"), benchSvg(results));
console.log(`\nsaved ${out} and its chart, ${out.replace(/\.json$/, ".svg")}`);
