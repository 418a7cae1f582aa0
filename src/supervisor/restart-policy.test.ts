import { describe, expect, test } from "bun:test";
import { backoffMs, decideRestart, recentCrashes, type RestartInput } from "./restart-policy.ts";

const config = { intensity: 3, period_s: 60, backoff_max_ms: 1000 };
const base: RestartInput = { exit: "crash", now: 100_000, uptimeMs: 1000, consecutive: 0, poolCrashes: [], config };

describe("restart policy", () => {
  test("the first crash restarts at once, then 100 ms doubling to the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffMs(n, 1000))).toEqual([0, 100, 200, 400, 800, 1000, 1000, 1000]);
  });
  test("consecutive crashes grow the backoff", () => {
    const first = decideRestart(base);
    expect(first).toMatchObject({ action: "restart", delayMs: 0, consecutive: 1 });
    const second = decideRestart({ ...base, consecutive: 1 });
    expect(second).toMatchObject({ delayMs: 100, consecutive: 2 });
  });
  test("30 s of uptime resets the backoff", () => {
    expect(decideRestart({ ...base, consecutive: 6, uptimeMs: 30_000 })).toMatchObject({ delayMs: 0, consecutive: 1 });
  });
  test("more than `intensity` crashes within the period marks the pool crashlooping at max backoff", () => {
    const crashes = [99_000, 99_500, 99_900];
    const decision = decideRestart({ ...base, poolCrashes: crashes });
    expect(decision).toMatchObject({ action: "restart", crashlooping: true, delayMs: 1000 });
  });
  test("crashes older than the period do not count", () => {
    const decision = decideRestart({ ...base, poolCrashes: [10_000, 20_000, 30_000] });
    expect(decision).toMatchObject({ crashlooping: false, poolCrashes: [100_000] });
    expect(recentCrashes([1, 50_000, 90_000], 100_000, 60)).toEqual([50_000, 90_000]);
  });
  test("a planned replacement restarts at once and is not a crash", () => {
    expect(decideRestart({ ...base, exit: "planned", consecutive: 5, poolCrashes: [99_000] })).toEqual({
      action: "restart", delayMs: 0, consecutive: 0, poolCrashes: [99_000], crashlooping: false,
    });
  });
  test("shutdown keeps the child down", () => {
    expect(decideRestart({ ...base, exit: "shutdown" })).toEqual({ action: "stay_down" });
  });
});
