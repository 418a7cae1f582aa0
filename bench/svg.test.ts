/**
 * The benchmark's picture (bench/svg.ts) from a results file shaped as bench/run.ts writes
 * it (made here: the benchmark itself takes minutes), and from the newest real one in
 * bench/results/ when there is one: every measure gets its panel with gaia and its peers,
 * a peer that could not be measured says why instead of drawing a zero, text is escaped,
 * and the SVG is well-formed (its tags balance).
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { benchSvg, figure, newestResults, panels } from "./svg.ts";

const RESULTS = {
  when: "2026-12-01T20:00:00.000Z",
  quick: false,
  workers: 2,
  gaia: { start_ms: { median: 180.5, all: [180.5] }, idle_cpu_percent: 0.31, roundtrip_us: { p50: 140, p99: 420, n: 2000 }, throughput: { jobs: 100000, seconds: 4, per_s: 25000, submit_seconds: 1 } },
  python: { roundtrip_us: { p50: 210, p99: 600, n: 2000 }, throughput: { jobs: 100000, seconds: 8, per_s: 12500 }, numpy_worker_ready_ms: { p50: 160, all: [160] } },
  restarts: { gaia_bun: { p50: 30, samples: [30] }, gaia_python: { p50: 60, samples: [60] }, pm2: { missing: "pm2 could not be installed from the npm registry" }, supervisord: { p50: 1100, samples: [1100] } },
  schedules: { runs: 60, p50_ms: 1, p99_ms: 18, max_ms: 19, samples_ms: [] },
  events: { delay_idle_ms: { p50: 0.4, p99: 1.2, n: 1000 }, delay_loaded_ms: { p50: 30, p99: 90, n: 100000 }, throughput_without_subscriber: 25000, throughput_with_subscriber: 21000 },
  peers: { roundtrip_us: { pool_apply: { p50: 100, p99: 300 }, ppe_submit_result: { p50: 180, p99: 500 } }, throughput_jobs_per_s: { pool_apply_async: { per_s: 15000 }, ppe_submit: { per_s: 6000 } } },
  arrays: { mib: 1024, gaia_job_s: { median: 0.9 }, floor_fresh_s: { median: 0.8 }, floor_warm_s: { median: 0.5 }, pool_pickle_s: { median: 22 }, shared_memory_s: { median: 1.1 }, upload_s: {} },
};

/** Every opened tag is closed in order (self-closing ones aside): enough to catch a broken writer. */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const [, close, name, self] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (self) continue;
    if (!close) stack.push(name!);
    else if (stack.pop() !== name) return false;
  }
  return stack.length === 0;
}

test("each measure gets a panel: gaia beside its peers from the same run", () => {
  const list = panels(RESULTS);
  expect(list.map((p) => p.title)).toEqual([
    "Round trip p50, one job at a time", "Round trip p99, one job at a time", "Throughput, a batch of jobs", "Restart after kill -9, p50",
    "1 GiB array: sum and an output of its size, submit → done", "Start until /ready", "CPU while idle, every gaia process", "Schedule lateness, a 1 s cron", "A job's end until its SSE event",
  ]);
  const throughput = list[2]!;
  expect(throughput.better).toBe("higher");
  expect(throughput.bars.filter((b) => b.gaia).map((b) => b.value)).toEqual([25000, 21000, 12500]);
  expect(throughput.bars.filter((b) => !b.gaia).map((b) => b.value)).toEqual([15000, 6000]);
  expect(list[0]!.target).toBe(150); // 1.5 × Pool.apply's p50
  const pm2 = list[3]!.bars.find((b) => b.label === "PM2")!;
  expect(pm2).toEqual({ label: "PM2", value: null, gaia: false, missing: "pm2 could not be installed from the npm registry" });
});

test("the SVG is well-formed, labels each bar with its figure, and says why a peer is missing", () => {
  const svg = benchSvg(RESULTS);
  expect(svg).toStartWith(`<svg xmlns="http://www.w3.org/2000/svg"`);
  expect(balanced(svg)).toBe(true);
  for (const text of ["25,000", "15,000", "140", "0.31", "target 300", "missing: pm2 could not be installed", "lower is better", "higher is better"]) expect(svg).toContain(text);
  expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  expect(svg).toContain("A job&#39;s end"); // text escaped
});

test("a partial run draws what it has; nothing measured says so", () => {
  const svg = benchSvg({ quick: true, gaia: { roundtrip_us: { p50: 140, p99: 420 } } });
  expect(panels({ gaia: { roundtrip_us: { p50: 140, p99: 420 } } }).map((p) => p.title)).toEqual(["Round trip p50, one job at a time", "Round trip p99, one job at a time"]);
  expect(svg).toContain("a quick run (fewer samples)");
  expect(svg).toContain("not measured"); // the peers this run did not measure
  expect(balanced(svg)).toBe(true);
  expect(benchSvg({})).toContain("no measure in these results");
  expect([figure(25000), figure(12.345), figure(0.4)]).toEqual(["25,000", "12.3", "0.4"]);
});

test("the newest results in bench/results/, when a run left one, draw too", () => {
  const newest = newestResults();
  if (!newest) return; // no run on this machine yet
  const svg = benchSvg(JSON.parse(readFileSync(newest, "utf8")));
  expect(balanced(svg)).toBe(true);
  expect(svg).not.toMatch(/NaN|undefined/);
});
