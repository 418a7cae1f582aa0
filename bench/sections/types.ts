/** What a section of `npm run bench` is, and what it hands back (bench/sections/index.ts lists them). */

export type Options = {
  /** A smoke run: fewer rounds and samples, figures not to report. */
  quick: boolean;
  /** Progress, on stderr. */
  log: (line: string) => void;
};

/** One line of the table: the measure, gaia's figure, the peers' figures, the ratio beside its target. */
export type Row = [measure: string, gaia: string, peers: string, ratio: string];

export type SectionResult = { rows: Row[]; figures: Record<string, unknown> };

export type Section = {
  /** What `--only` names. */
  name: string;
  /** What it measures, in a line (the table's heading for it). */
  title: string;
  run(options: Options): Promise<SectionResult>;
};

/** Rounds of an interleaved measure: enough pairs for a median in a full run, two in a smoke run. */
export const rounds = (quick: boolean, full = 5) => (quick ? 2 : full);

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : String(n);
