import { describe, expect, test } from "bun:test";
import { Retries } from "../../config/schema.ts";
import { decideRetry } from "./retry.ts";

const policy = Retries.parse({ max: 3, on: ["worker_lost", "timeout"], backoff_s: 2, factor: 2, max_backoff_s: 5 });
const noJitter = () => 1; // scale 0.5 + 1 * 0.5 = 1

describe("decideRetry", () => {
  test("the default policy retries only a lost worker, three times", () => {
    const defaults = Retries.parse({});
    expect(decideRetry(defaults, 1, "error").retry).toBe(false);
    expect(decideRetry(defaults, 1, "timeout").retry).toBe(false);
    expect([1, 2, 3, 4].map((n) => decideRetry(defaults, n, "worker_lost").retry)).toEqual([true, true, true, false]);
  });
  test("backoff grows by the factor and stops at the cap", () => {
    const delays = [1, 2, 3].map((n) => decideRetry(policy, n, "timeout", noJitter));
    expect(delays).toEqual([{ retry: true, delayMs: 2000 }, { retry: true, delayMs: 4000 }, { retry: true, delayMs: 5000 }]);
  });
  test("jitter scales the delay into [0.5, 1] of it", () => {
    expect(decideRetry(policy, 1, "timeout", () => 0)).toEqual({ retry: true, delayMs: 1000 });
  });
  test("max = 0 never retries", () => {
    expect(decideRetry({ ...policy, max: 0 }, 1, "worker_lost").retry).toBe(false);
  });
});
