/**
 * `npm run bench`: gaia and its peers, measured in the same run on this machine, interleaved.
 *
 * Each section (bench/sections/index.ts lists them) keeps gaia and its peers running and
 * measures them in rounds, A B then B A (bench/interleave.ts); a row shows each side's
 * median over the rounds and the median of the pairs' ratios with their count and min–max,
 * beside the target. Prints the table and writes one `results` object as JSON to
 * bench/results/bench-<time>.json, and its chart beside it (bench/svg.ts).
 *
 *   npm run bench                      every section (a long run: do it on a quiet machine)
 *   npm run bench -- --quick           a smoke run: two rounds, small blocks
 *   npm run bench -- --only core,gpu   the sections named
 *
 * No figure here is asserted anywhere: performance is read from this table, never from a test.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { SECTIONS } from "./sections/index.ts";
import type { Row } from "./sections/types.ts";
import { benchSvg } from "./svg.ts";

function parseArgs(argv: string[]) {
  const quick = argv.includes("--quick");
  const at = argv.indexOf("--only");
  const only = at >= 0 ? (argv[at + 1] ?? "").split(",").filter(Boolean) : SECTIONS.map((s) => s.name);
  const unknown = only.filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`bench: no section ${unknown.join(", ")}; the sections are ${SECTIONS.map((s) => s.name).join(", ")}`);
    process.exit(2);
  }
  return { quick, only };
}

function table(rows: Row[]): string {
  const head: Row = ["measure", "gaia", "peers", "ratio · target"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const { quick, only } = parseArgs(process.argv.slice(2));
const log = (line: string) => console.error(`[bench] ${line}`);
const results: Record<string, unknown> = {
  when: new Date().toISOString(),
  quick,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "", load_avg_at_start: loadavg() },
  sections: {} as Record<string, unknown>,
};
const allRows: Row[] = [];
for (const section of SECTIONS.filter((s) => only.includes(s.name))) {
  log(`${section.name}: ${section.title}`);
  const t0 = performance.now();
  let rows: Row[];
  try {
    const result = await section.run({ quick, log });
    rows = result.rows;
    (results.sections as Record<string, unknown>)[section.name] = { title: section.title, seconds: (performance.now() - t0) / 1000, rows, figures: result.figures };
  } catch (error) {
    // One section's failure is reported in its place; the others still run.
    const message = error instanceof Error ? error.message : String(error);
    rows = [[`${section.name}: failed`, "-", "-", message.slice(0, 200)]];
    (results.sections as Record<string, unknown>)[section.name] = { title: section.title, failed: message, rows };
    console.error(error);
  }
  allRows.push([`── ${section.name} ──`, "", "", ""], ...rows);
  console.error(`\n${table(rows)}\n`);
}
results.load_avg_at_end = loadavg();
console.log(`\n${table(allRows)}`);
mkdirSync(join(import.meta.dir, "results"), { recursive: true });
const out = join(import.meta.dir, "results", `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(out, JSON.stringify(results, null, 2));
// Its picture beside it; `bun bench/svg.ts --out docs/bench.svg` copies the newest to the README.
writeFileSync(out.replace(/\.json$/, ".svg"), benchSvg(results));
console.log(`\nsaved ${out} and its chart, ${out.replace(/\.json$/, ".svg")}`);
if (Object.values(results.sections as Record<string, { failed?: string }>).some((s) => s.failed)) process.exitCode = 1;
