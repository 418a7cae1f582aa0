/**
 * The benchmark's picture (bench/svg.ts) from results shaped as bench/run.ts writes them
 * (made here: the benchmark itself takes minutes), and from the newest real one in
 * bench/results/ when there is one: every row gets its panel with gaia and its peers,
 * a peer that could not be measured says why instead of drawing a zero, text is escaped,
 * and the SVG is well-formed (its tags balance).
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { benchSvg, figure, newestResults, panels, type Panel } from "./svg.ts";

const RESULTS = {
  when: "2026-12-01T20:00:00.000Z",
  quick: false,
  machine: { cpus: 2 },
  sections: {
    core: { rows: [
      ["Bun pool: round trip p50 (µs)", "686", "Pool.apply 215 · PPE 268", "3.17× (3.02–3.31, 5 pairs) Pool.apply · target ≤ 1.5×"],
      ["Bun pool: throughput (jobs/s)", "25,000", "apply_async 15,000 · PPE 6,000", "1.67× apply_async · target ≥ 1.5×"],
      ["start → /ready (ms)", "180.5", "-", "median of 5 · target ≤ 300 ms"],
      ["idle CPU (% of a core)", "0.31", "-", "target < 1%"],
    ] },
    ray: { rows: [["Bun pool vs Ray: 1,000 jobs (jobs/s)", "5,780", "Ray 2.60.0 926 tasks/s", "6.44× Ray"]] },
    pipelines: { rows: [["one Bun node, small frame, 2 hops (µs p50/p99)", "65 / 215", "Pipe 25 / 121", "32.3 µs per hop"]] },
    restarts: { rows: [["first restart, Bun worker p50 (ms)", "113.7", "PM2 missing: pm2 could not be installed · supervisord 1,142.8", "target ≤ 50 ms"]] },
    broken: { failed: "it threw", rows: [["broken: failed", "-", "-", "it threw"]] },
  },
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

test("each row with a figure gets a panel: gaia beside its peers from the same run", () => {
  const list = panels(RESULTS);
  expect(list.map((p) => p.title)).toEqual([
    "core: Bun pool: round trip p50", "core: Bun pool: throughput", "core: start → /ready", "core: idle CPU",
    "ray: Bun pool vs Ray: 1,000 jobs", "pipelines: one Bun node, small frame, 2 hops", "restarts: first restart, Bun worker p50",
  ]);
  const [rt, tp, start, idle, ray, hop, restart] = list as [Panel, Panel, Panel, Panel, Panel, Panel, Panel];
  expect(rt).toMatchObject({ unit: "µs", better: "lower", target: undefined });
  expect(rt.bars.map((b) => [b.label, b.value, b.gaia])).toEqual([["gaia", 686, true], ["Pool.apply", 215, false], ["PPE", 268, false]]);
  expect(tp).toMatchObject({ unit: "jobs/s", better: "higher" });
  expect(tp.bars.map((b) => b.value)).toEqual([25000, 15000, 6000]);
  expect([start.target, idle.target]).toEqual([300, 1]); // absolute targets in the row's unit; a ratio target is not drawn
  expect(ray.bars[1]).toEqual({ label: "Ray 2.60.0", value: 926, gaia: false }); // a version in the label is not the figure
  expect(hop.bars.map((b) => [b.label, b.value])).toEqual([["gaia", 65], ["Pipe", 25]]); // p50 beside p50, not the peer's p99
  expect(restart.bars[1]).toEqual({ label: "PM2", value: null, gaia: false, missing: "pm2 could not be installed" });
  expect(restart.bars[2]!.value).toBe(1142.8);
});

test("the SVG is well-formed, labels each bar with its figure, and says why a peer is missing", () => {
  const svg = benchSvg(RESULTS);
  expect(svg).toStartWith(`<svg xmlns="http://www.w3.org/2000/svg"`);
  expect(balanced(svg)).toBe(true);
  for (const text of ["25,000", "15,000", "686", "0.31", "target 300", "missing: pm2 could not be installed", "lower is better", "higher is better", "2 CPUs"]) expect(svg).toContain(text);
  expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  expect(benchSvg({ sections: { x: { rows: [["a <b> & 'c' (ms)", "1", "-", ""]] } } })).toContain("a &#60;b&#62; &#38; &#39;c&#39;"); // text escaped
});

test("a quick run says so; nothing measured says so", () => {
  expect(benchSvg({ ...RESULTS, quick: true })).toContain("a quick run (fewer samples)");
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
