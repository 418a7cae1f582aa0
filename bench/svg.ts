/**
 * Pictures of the benchmark: one SVG with a panel per measure, gaia's bar beside its peers'
 * from the same run, each labelled with its figure, a dashed line where the measure has a
 * target in its own unit, and "lower is better" or "higher is better" in the panel's title.
 * `npm run bench` writes it beside the results' JSON (bench/run.ts); `bun bench/svg.ts
 * [RESULTS.json] [--out FILE]` draws it again from a results file (the newest
 * bench/results/bench-*.json by default), which is how docs/bench.svg, the README's copy, is
 * refreshed:
 *
 *   bun bench/svg.ts --out docs/bench.svg
 *
 * The panels are read from the rows the table prints (`sections.NAME.rows`: measure, gaia,
 * peers, ratio · target), so a section added to the bench is drawn without a change here.
 * `panels` and `benchSvg` are pure (tested in bench/svg.test.ts). A peer that could not be
 * measured is drawn as the reason it is missing, never as a zero; a row without a figure
 * (a failed section) is left out.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Row } from "./sections/types.ts";

export type Bar = { label: string; value: number | null; gaia: boolean; missing?: string };
export type Panel = { title: string; unit: string; better: "lower" | "higher"; bars: Bar[]; target?: number };

type Results = Record<string, any>;

/** The first number of a cell ("1,029 / 6,346" → 1029), or null. */
const firstNumber = (text: string): number | null => {
  const m = /-?\d[\d,]*(\.\d+)?/.exec(text);
  return m ? Number(m[0].replace(/,/g, "")) : null;
};

/** "(µs p50/p99)" → "µs"; "(jobs/s)" → "jobs/s". */
const unitOf = (measure: string): string => /\(([^)]*)\)\s*$/.exec(measure)?.[1]?.split(" ")[0] ?? "";

const HIGHER = /\/s$|MiB\/s|× faster/;

/**
 * A peers cell: "Pool.apply 215 · PPE 268", "Ray 2.60.0 3,230", "Pipe 25 / 121", "PM2
 * missing: why". A pair "A / B" (p50 / p99) is read as its first figure, as gaia's cell is.
 */
function peerBars(cell: string): Bar[] {
  if (cell.trim() === "-" || cell.trim() === "") return [];
  return cell.split(" · ").map((part) => {
    const missing = /^(.*?)\s*missing:?\s*(.*)$/.exec(part);
    if (missing) return { label: missing[1]!.trim() || "peer", value: null, gaia: false, missing: missing[2]!.trim() || "not measured" };
    // The figure is the last word that is a number: a label may carry a version ("Ray
    // 2.60.0 926 tasks/s"), and a unit may follow.
    const words = part.replace(/(\d)\s*\/\s*-?\d[\d,]*(\.\d+)?/, "$1").trim().split(/\s+/);
    const at = words.findLastIndex((w, i) => i > 0 && /^-?\d[\d,]*(\.\d+)?$/.test(w));
    if (at < 0) return { label: part.trim(), value: null, gaia: false, missing: "no figure" };
    return { label: words.slice(0, at).join(" "), value: Number(words[at]!.replace(/,/g, "")), gaia: false };
  });
}

/** A target in the measure's own unit ("target ≤ 300 ms", "target < 1%", "target p50 ≤ 1,000 µs"). */
function targetOf(ratio: string, unit: string): number | undefined {
  const m = /target (?:p50 )?[≤<≥>] ?(\d[\d,]*(?:\.\d+)?) ?(ms|µs|%|s)?(?!\w)/.exec(ratio);
  if (!m) return undefined;
  const u = m[2] ?? "";
  return u !== "" && unit.startsWith(u) ? Number(m[1]!.replace(/,/g, "")) : undefined;
}

export function panels(r: Results): Panel[] {
  const out: Panel[] = [];
  for (const [name, section] of Object.entries((r.sections ?? {}) as Record<string, { rows?: Row[]; failed?: string }>)) {
    for (const [measure, gaia, peers, ratio] of section.rows ?? []) {
      const value = firstNumber(gaia);
      if (value === null || section.failed) continue;
      const unit = unitOf(measure);
      out.push({
        title: `${name}: ${measure.replace(/\s*\([^)]*\)\s*$/, "")}`,
        unit,
        better: HIGHER.test(unit) || HIGHER.test(measure) ? "higher" : "lower",
        bars: [{ label: "gaia", value, gaia: true }, ...peerBars(peers)],
        target: targetOf(ratio, unit),
      });
    }
  }
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
  const head = `gaia benchmark${r.when ? `, ${String(r.when).slice(0, 16).replace("T", " ")} UTC` : ""}${r.machine?.cpus ? `, ${r.machine.cpus} CPUs` : ""}`;
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

/** The newest bench-*.json of bench/results/, or null when there is none. */
export function newestResults(dir = join(import.meta.dir, "results")): string | null {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return null; // no run yet
  }
  const files = names.filter((f) => /^bench-.*\.json$/.test(f)).sort();
  return files.length ? join(dir, files.at(-1)!) : null;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const at = args.indexOf("--out");
  const out = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const input = args[0] ?? newestResults();
  if (!input) {
    console.error("bench/svg: no bench/results/bench-*.json yet; run `npm run bench` first, or name a results file");
    process.exit(2);
  }
  const target = out ?? input.replace(/\.json$/, ".svg");
  writeFileSync(target, benchSvg(JSON.parse(readFileSync(input, "utf8"))));
  console.log(`bench/svg: ${target} from ${input}`);
}
