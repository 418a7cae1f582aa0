/** The interleaving harness's arithmetic, on made-up figures (no duration is measured here). */
import { describe, expect, test } from "bun:test";
import { differences, formatSpread, interleave, latency, median, percentile, ratios, roundOrder, sideSummary } from "./interleave.ts";

describe("roundOrder", () => {
  test("as given in even rounds, reversed in odd ones", () => {
    expect(roundOrder(["a", "b", "c"], 0)).toEqual(["a", "b", "c"]);
    expect(roundOrder(["a", "b", "c"], 1)).toEqual(["c", "b", "a"]);
    expect(roundOrder(["a", "b"], 2)).toEqual(["a", "b"]);
  });
});

describe("interleave", () => {
  test("runs the sides A B, B A…, after one warm-up each, and keeps each side's blocks", async () => {
    const calls: string[] = [];
    const side = (name: string, value: number) => async () => (calls.push(name), { v: value });
    const blocks = await interleave({ gaia: side("gaia", 1), peer: side("peer", 2) }, { rounds: 3, warmup: true });
    expect(calls).toEqual(["gaia", "peer", "gaia", "peer", "peer", "gaia", "gaia", "peer"]);
    expect(blocks).toEqual({ gaia: [{ v: 1 }, { v: 1 }, { v: 1 }], peer: [{ v: 2 }, { v: 2 }, { v: 2 }] });
  });
});

describe("figures", () => {
  test("median of odd and even counts; nearest-rank percentiles", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99)).toBe(99);
    expect(latency([1, 2, 3, 4])).toEqual({ p50: 2, p99: 4, n: 4 });
  });

  test("a side's row is the median of each figure over its rounds", () => {
    expect(sideSummary([{ p50: 10, p99: 30 }, { p50: 12, p99: 20 }, { p50: 11, p99: 90 }])).toEqual({ p50: 11, p99: 30 });
  });
});

describe("ratios", () => {
  // A machine that slows down by half in round 2: each pair's ratio stays 0.5.
  const blocks = {
    gaia: [{ p50: 10, per_s: 200, s: 1 }, { p50: 15, per_s: 100, s: 2 }],
    pool: [{ p50: 20, per_s: 100, s: 10 }, { p50: 30, per_s: 50, s: 20 }],
    ppe: [{ p50: 40, per_s: 150, s: 40 }, { p50: 60, per_s: 30, s: 60 }],
  };

  test("per pair gaia over the peer, so drift that hits both cancels", () => {
    expect(ratios(blocks, { of: "gaia", to: "pool", key: "p50", better: "lower" })).toMatchObject({ median: 0.5, min: 0.5, max: 0.5, pairs: 2 });
  });

  test("against several peers, each round's best of them", () => {
    expect(ratios(blocks, { of: "gaia", to: ["pool", "ppe"], key: "per_s", better: "higher" }).values).toEqual([200 / 150, 2]);
    expect(ratios(blocks, { of: "gaia", to: ["pool", "ppe"], key: "p50", better: "lower" }).values).toEqual([0.5, 0.5]);
  });

  test("inverted: how many times faster gaia is", () => {
    expect(ratios(blocks, { of: "gaia", to: "pool", key: "s", better: "lower", invert: true }).median).toBe(10);
  });

  test("differences, and how a spread is written", () => {
    expect(differences(blocks, "ppe", "pool", "p50").values).toEqual([20, 30]);
    expect(formatSpread({ median: 1.234, min: 0.98, max: 1.4, pairs: 5, values: [] })).toBe("1.23× (0.98–1.40, 5 pairs)");
    expect(formatSpread({ median: 2, min: 2, max: 2, pairs: 1, values: [] })).toBe("2.00× (1 pair)");
  });
});
