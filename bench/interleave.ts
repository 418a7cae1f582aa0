/**
 * The interleaving harness of `npm run bench`: gaia and its peers measured in turns, so that
 * the machine's drift (another process waking up, the CPU's clock, a noisy neighbour) falls on
 * both sides of each pair alike and cancels in that pair's ratio.
 *
 *   a measure   K rounds; a round runs one block of every side (gaia's, each peer's), the order
 *               reversed every other round (A B C, C B A, A B C…) so that neither side always
 *               runs first on a warm or a cold machine
 *   a block     what a side returns: its figures for that round (p50 and p99 of the block's
 *               samples, or a rate)
 *   a pair      one round's figure of gaia and of a peer; its ratio is gaia's over the peer's
 *               (or the peer's over gaia's for "how many times faster")
 *   the report  per comparison, the median of the pairs' ratios, with their count and min–max
 *
 * Everything here except `interleave` itself is pure and tested without processes
 * (interleave.test.ts). Sides are kept alive across rounds by their callers: a gaia started
 * once, a Python peer server (peer-server.ts) that keeps its pools between rounds.
 */

/** One block's figures, by name: {p50, p99} in µs, {per_s}, {s}… */
export type Figures = Record<string, number>;
export type Side = () => Promise<Figures>;
export type Blocks = Record<string, Figures[]>;

export type InterleaveOptions = {
  rounds: number;
  /** Runs each side once, untimed, before the rounds (JIT tiers, pools' first forks). */
  warmup?: boolean;
  /** Told after every block: progress on stderr. */
  log?: (line: string) => void;
};

/** The order of the sides in round `round` (0-based): as given, then reversed, and so on. */
export function roundOrder<T>(names: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...names] : [...names].reverse();
}

/** Runs every side once per round, in `roundOrder`; each side's figures, round by round. */
export async function interleave(sides: Record<string, Side>, options: InterleaveOptions): Promise<Blocks> {
  const names = Object.keys(sides);
  if (options.warmup) for (const name of names) await sides[name]!();
  const blocks: Blocks = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const name of roundOrder(names, round)) {
      const figures = await sides[name]!();
      blocks[name]!.push(figures);
      options.log?.(`round ${round + 1}/${options.rounds} ${name}: ${Object.entries(figures).map(([k, v]) => `${k} ${round3(v)}`).join(", ")}`);
    }
  }
  return blocks;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest rank: the sample at rank ceil(p/100 · n), as bench/peers.py computes it. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** A block's latency figures from its samples. */
export function latency(samples: readonly number[]): Figures {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), n: samples.length };
}

/** The median of each figure over the rounds: what a row shows for a side. */
export function sideSummary(blocks: readonly Figures[]): Figures {
  const keys = Object.keys(blocks[0] ?? {});
  return Object.fromEntries(keys.map((k) => [k, median(blocks.map((b) => b[k]!))]));
}

export type Spread = { median: number; min: number; max: number; pairs: number; values: number[] };

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), pairs: values.length, values: [...values] };
}

export type Comparison = {
  /** gaia's side. */
  of: string;
  /** The peer, or several: each round's best of them (the faster, `better` says which way). */
  to: string | string[];
  key: string;
  /** "higher" for rates; "lower" for latencies and seconds. */
  better: "higher" | "lower";
  /** The peer's figure over gaia's ("× faster" for seconds) instead of gaia's over the peer's. */
  invert?: boolean;
};

/** Per round, gaia's figure over the peer's (or the best peer's); the spread of those ratios. */
export function ratios(blocks: Blocks, c: Comparison): Spread {
  const peers = typeof c.to === "string" ? [c.to] : c.to;
  const ofBlocks = blocks[c.of];
  if (!ofBlocks) throw new Error(`no side ${c.of}`);
  const values = ofBlocks.map((b, round) => {
    const theirs = peers.map((p) => {
      const block = blocks[p]?.[round];
      if (!block) throw new Error(`no round ${round} of side ${p}`);
      return block[c.key]!;
    });
    const best = c.better === "higher" ? Math.max(...theirs) : Math.min(...theirs);
    const ours = b[c.key]!;
    return c.invert ? best / ours : ours / best;
  });
  return spread(values);
}

/** Per round, gaia's figure minus the other side's (for "how much more CPU"). */
export function differences(blocks: Blocks, of: string, to: string, key: string): Spread {
  return spread(blocks[of]!.map((b, round) => b[key]! - blocks[to]![round]![key]!));
}

/** "1.23× (0.98–1.40, 5 pairs)": a spread as a table shows it. */
export function formatSpread(s: Spread, unit = "×", digits = 2): string {
  const f = (n: number) => n.toFixed(digits);
  return s.pairs > 1 ? `${f(s.median)}${unit} (${f(s.min)}–${f(s.max)}, ${s.pairs} pairs)` : `${f(s.median)}${unit} (1 pair)`;
}
