/**
 * Pictures of the benchmark: one SVG with a panel per measure, gaia's bars beside its peers'
 * from the same run, each labelled with its figure, a dashed line where the measure has a
 * target, and "lower is better" or "higher is better" in the panel's title. `npm run bench`
 * writes it beside the results' JSON (bench/run.ts); `bun bench/svg.ts [RESULTS.json]
 * [--out FILE]` draws it again from a results file (the newest bench/results/core-*.json
 * by default), which is how docs/bench.svg, the README's copy, is refreshed:
 *
 *   bun bench/svg.ts --out docs/bench.svg
 *
 * `panels` and `benchSvg` are pure (tested in bench/svg.test.ts on a results file the test
 * makes). A part a run did not measure (a peer that could not be installed, a section a
 * future run leaves out) is drawn as the reason it is missing, or left out, never as a zero.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type Bar = { label: string; value: number | null; gaia: boolean; missing?: string };
export type Panel = { title: string; unit: string; better: "lower" | "higher"; bars: Bar[]; target?: number };

type Results = Record<string, any>;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const bar = (label: string, value: unknown, gaia = false): Bar => ({ label, value: num(value), gaia });
/** A peer measured elsewhere in the results as `{p50}` or `{missing: "why"}`. */
const peer = (label: string, figure: any, key = "p50"): Bar => (figure && typeof figure.missing === "string" ? { label, value: null, gaia: false, missing: figure.missing } : bar(label, figure?.[key]));

export function panels(r: Results): Panel[] {
  const out: Panel[] = [];
  const add = (p: Panel) => p.bars.some((b) => b.value !== null || b.missing) && out.push(p);
  const peers = r.peers ?? {};
  for (const q of ["p50", "p99"] as const) {
    add({ title: `Round trip ${q}, one job at a time`, unit: "µs", better: "lower", target: q === "p50" ? num(peers.roundtrip_us?.pool_apply?.p50 * 1.5) ?? undefined : undefined, bars: [
      bar("gaia, Bun pool", r.gaia?.roundtrip_us?.[q], true), bar("gaia, Python pool", r.python?.roundtrip_us?.[q], true),
      bar("multiprocessing.Pool.apply", peers.roundtrip_us?.pool_apply?.[q]), bar("ProcessPoolExecutor", peers.roundtrip_us?.ppe_submit_result?.[q]),
    ] });
  }
  add({ title: "Throughput, a batch of jobs", unit: "jobs/s", better: "higher", bars: [
    bar("gaia, Bun pool", r.gaia?.throughput?.per_s, true), bar("gaia, Bun pool, an SSE client on", r.events?.throughput_with_subscriber, true), bar("gaia, Python pool", r.python?.throughput?.per_s, true),
    bar("Pool.apply_async", peers.throughput_jobs_per_s?.pool_apply_async?.per_s), bar("ProcessPoolExecutor.submit", peers.throughput_jobs_per_s?.ppe_submit?.per_s),
  ] });
  const rs = r.restarts ?? {};
  add({ title: "Restart after kill -9, p50", unit: "ms", better: "lower", bars: [
    peer("gaia, Bun worker", rs.gaia_bun), peer("gaia, Python worker", rs.gaia_python), bar("gaia, Python worker importing numpy", r.python?.numpy_worker_ready_ms?.p50),
    peer("PM2", rs.pm2), peer("supervisord", rs.supervisord),
  ].map((b, i) => ({ ...b, gaia: i < 3 })) });
  const a = r.arrays;
  if (a) add({ title: `${a.mib === 1024 ? "1 GiB" : `${a.mib} MiB`} array: sum and an output of its size, submit → done`, unit: "s", better: "lower", bars: [
    bar("gaia (shared memory)", a.gaia_job_s?.median, true), bar("one process, fresh memory", a.floor_fresh_s?.median), bar("one process, warm memory", a.floor_warm_s?.median),
    bar("shared_memory by hand", a.shared_memory_s?.median), bar("Pool, pickling the array", a.pool_pickle_s?.median),
  ] });
  add({ title: "Start until /ready", unit: "ms", better: "lower", target: 300, bars: [bar("gaia start, 2 Bun workers", r.gaia?.start_ms?.median, true)] });
  add({ title: "CPU while idle, every gaia process", unit: "% of a core", better: "lower", target: 1, bars: [bar("gaia", r.gaia?.idle_cpu_percent, true)] });
  add({ title: "Schedule lateness, a 1 s cron", unit: "ms", better: "lower", target: 20, bars: [bar("p50", r.schedules?.p50_ms, true), bar("p99", r.schedules?.p99_ms, true)] });
  const ev = r.events ?? {};
  add({ title: "A job's end until its SSE event", unit: "ms", better: "lower", target: 5, bars: [
    bar("idle, p50", ev.delay_idle_ms?.p50, true), bar("idle, p99", ev.delay_idle_ms?.p99, true), bar("under a batch, p50", ev.delay_loaded_ms?.p50, true), bar("under a batch, p99", ev.delay_loaded_ms?.p99, true),
  ] });
  return out;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function figure(v: number): string {
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : v >= 1 ? 2 : 3;
  return v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

const W = 760;
const LABEL_W = 250;
const ROW = 22;
const PLOT_W = W - LABEL_W - 110;

function panelSvg(p: Panel, y: number): { svg: string; height: number } {
  const values = p.bars.map((b) => b.value ?? 0);
  const max = Math.max(...values, p.target ?? 0) || 1;
  const scale = (v: number) => (v / max) * PLOT_W;
  let svg = `<text x="16" y="${y + 16}" class="title">${escapeXml(p.title)} <tspan class="muted">(${escapeXml(p.unit)}, ${p.better} is better)</tspan></text>`;
  p.bars.forEach((b, i) => {
    const top = y + 26 + i * ROW;
    svg += `<text x="${LABEL_W - 8}" y="${top + 14}" text-anchor="end">${escapeXml(b.label)}</text>`;
    if (b.value === null) {
      svg += `<text x="${LABEL_W}" y="${top + 14}" class="muted">${escapeXml(b.missing ? `missing: ${b.missing}` : "not measured")}</text>`;
      return;
    }
    const w = Math.max(1, scale(b.value));
    svg += `<rect x="${LABEL_W}" y="${top + 3}" width="${w.toFixed(1)}" height="${ROW - 6}" class="${b.gaia ? "gaia" : "peer"}"/>`;
    svg += `<text x="${(LABEL_W + w + 6).toFixed(1)}" y="${top + 14}">${figure(b.value)}</text>`;
  });
  const height = 26 + p.bars.length * ROW + 14;
  if (p.target !== undefined) {
    const x = (LABEL_W + scale(p.target)).toFixed(1);
    svg += `<line x1="${x}" x2="${x}" y1="${y + 24}" y2="${y + height - 12}" class="target"/><text x="${x}" y="${y + height - 2}" text-anchor="middle" class="muted">target ${figure(p.target)}</text>`;
  }
  return { svg, height: height + 8 };
}

export function benchSvg(r: Results): string {
  const list = panels(r);
  const head = `gaia benchmark${r.when ? `, ${String(r.when).slice(0, 16).replace("T", " ")} UTC` : ""}${r.workers ? `, ${r.workers} workers a side` : ""}`;
  const notes = [r.quick ? "a quick run (fewer samples)" : "", typeof r.partial === "string" ? `partial: ${r.partial}` : ""].filter(Boolean).join("; ");
  let y = 54;
  let body = "";
  for (const p of list) {
    const drawn = panelSvg(p, y);
    body += drawn.svg;
    y += drawn.height;
  }
  if (list.length === 0) body = `<text x="16" y="${(y += 20)}" class="muted">no measure in these results</text>`;
  const style = `text{font:12px system-ui,sans-serif;fill:#1d2330}.title{font-weight:600;font-size:13px}.muted{fill:#6b7380;font-weight:400}.gaia{fill:#2f80ed}.peer{fill:#a0a7b1}.target{stroke:#c53030;stroke-dasharray:4 3}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 10}" viewBox="0 0 ${W} ${y + 10}"><style>${style}</style><rect width="100%" height="100%" fill="#fff"/><text x="16" y="22" class="title">${escapeXml(head)}</text><text x="16" y="40" class="muted">${escapeXml(notes ? `${notes}. ` : "")}blue: gaia; grey: its peers, measured on the same machine in the same run</text>${body}</svg>\n`;
}

/** The newest core-*.json of bench/results/, or null when there is none. */
export function newestResults(dir = join(import.meta.dir, "results")): string | null {
  const files = readdirSync(dir).filter((f) => /^core-.*\.json$/.test(f)).sort();
  return files.length ? join(dir, files.at(-1)!) : null;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--out");
  const out = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const input = args[0] ?? newestResults();
  if (!input) {
    console.error("bench/svg: no bench/results/core-*.json yet; run `npm run bench` first, or name a results file");
    process.exit(2);
  }
  const target = out ?? input.replace(/\.json$/, ".svg");
  writeFileSync(target, benchSvg(JSON.parse(readFileSync(input, "utf8"))));
  console.log(`bench/svg: ${target} from ${input}`);
}
