/**
 * A time chart as SVG text: a few lines over a window of time, the y axis from 0 to a round
 * maximum, a legend. A library would have been most of the page's weight for this much;
 * this is a string (pure, tested in src/ui/client-logic.test.ts) that the page sets as a
 * chart's markup, every name escaped.
 */
import type { Line } from "./series.ts";

export const COLORS = ["#2f80ed", "#eb5757", "#27ae60", "#f2994a", "#9b51e0", "#56ccf2", "#828282"];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** 0 → 1, 7 → 10, 13 → 20, 260 → 500: the axis ends on 1, 2 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (value <= m * p) return m * p;
  return 10 * p;
}

export function label(v: number): string {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return String(+v.toFixed(2));
}

export type ChartSpec = { lines: Line[]; from: number; to: number; title: string; width?: number; height?: number };

export function chartSvg(spec: ChartSpec): string {
  const W = spec.width ?? 480;
  const H = spec.height ?? 180;
  const pad = { left: 44, right: 8, top: 10, bottom: 40 };
  const w = W - pad.left - pad.right;
  const h = H - pad.top - pad.bottom;
  const max = niceMax(Math.max(0, ...spec.lines.flatMap((l) => l.points.map((p) => p.v))));
  const x = (t: number) => pad.left + ((t - spec.from) / (spec.to - spec.from)) * w;
  const y = (v: number) => pad.top + h - (v / max) * h;
  const grid = [0, max / 2, max]
    .map((v) => `<line x1="${pad.left}" x2="${pad.left + w}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${pad.left - 4}" y="${y(v) + 4}" text-anchor="end">${label(v)}</text>`)
    .join("");
  const minutes = Math.round((spec.to - spec.from) / 60_000);
  const ticks = [
    `<text x="${pad.left}" y="${pad.top + h + 14}">-${minutes} min</text>`,
    `<text x="${pad.left + w / 2}" y="${pad.top + h + 14}" text-anchor="middle">-${minutes / 2} min</text>`,
    `<text x="${pad.left + w}" y="${pad.top + h + 14}" text-anchor="end">now</text>`,
  ].join("");
  const paths = spec.lines
    .map((line, i) => {
      const pts = line.points.filter((p) => p.t >= spec.from && p.t <= spec.to);
      if (pts.length === 0) return "";
      const d = pts.map((p, j) => `${j ? "L" : "M"}${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`).join("");
      return `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5"><title>${escapeXml(line.name)}</title></path>`;
    })
    .join("");
  let lx = pad.left;
  const legend = spec.lines
    .map((line, i) => {
      const at = lx;
      lx += 18 + line.name.length * 6.2;
      return `<rect x="${at}" y="${H - 12}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${at + 14}" y="${H - 3}">${escapeXml(line.name)}</text>`;
    })
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(spec.title)}" class="chart">${grid}${ticks}${paths}${legend}</svg>`;
}
