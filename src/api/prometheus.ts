/**
 * The Prometheus text exposition format (version 0.0.4), rendered from plain figures:
 * `# HELP` and `# TYPE` once per family, then one sample per line. Label values are escaped
 * as the format asks (backslash, double quote, newline), so a task named `a"b` cannot break
 * a scrape. https://prometheus.io/docs/instrumenting/exposition_formats/
 */
export type Labels = Record<string, string>;
export type Sample = { labels?: Labels; value: number; suffix?: string };
export type Family = { name: string; help: string; type: "counter" | "gauge" | "histogram"; samples: Sample[] };

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export function render(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    out.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) out.push(`${f.name}${s.suffix ?? ""}${labelText(s.labels)} ${numberText(s.value)}`);
  }
  return `${out.join("\n")}\n`;
}

function labelText(labels: Labels | undefined): string {
  if (!labels) return "";
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function numberText(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

/** A histogram's samples from non-cumulative bucket counts (the last one is +Inf). */
export function histogramSamples(labels: Labels, bounds: readonly number[], counts: number[], sum: number, count: number): Sample[] {
  const samples: Sample[] = [];
  let running = 0;
  bounds.forEach((le, i) => {
    running += counts[i] ?? 0;
    samples.push({ suffix: "_bucket", labels: { ...labels, le: String(le) }, value: running });
  });
  samples.push({ suffix: "_bucket", labels: { ...labels, le: "+Inf" }, value: count });
  samples.push({ suffix: "_sum", labels, value: sum });
  samples.push({ suffix: "_count", labels, value: count });
  return samples;
}
