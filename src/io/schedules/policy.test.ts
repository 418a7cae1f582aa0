import { describe, expect, test } from "bun:test";
import { Schedule } from "../../config/schema.ts";
import { firstFire, gate, loopDelayMs, nextFire, startPlan, timingOf } from "./policy.ts";

const def = (keys: Record<string, unknown>) => Schedule.parse({ name: "s", task: "echo", ...keys });
const at = (iso: string) => Date.parse(iso);

describe("nextFire", () => {
  test("a cron with seconds fires on the next whole second, strictly after", () => {
    const timing = timingOf(def({ cron: "* * * * * *" }));
    expect(nextFire(timing, at("2026-01-01T00:00:00.000Z"), 0)).toBe(at("2026-01-01T00:00:01.000Z"));
    expect(nextFire(timing, at("2026-01-01T00:00:00.003Z"), 0)).toBe(at("2026-01-01T00:00:01.000Z"));
  });

  test("a five-field cron in a timezone fires at that zone's wall-clock time", () => {
    const timing = timingOf(def({ cron: "0 9 * * *", timezone: "America/New_York" }));
    expect(nextFire(timing, at("2026-01-15T12:00:00Z"), 0)).toBe(at("2026-01-15T14:00:00Z")); // EST, UTC-5
    expect(nextFire(timing, at("2026-07-15T12:00:00Z"), 0)).toBe(at("2026-07-15T13:00:00Z")); // EDT, UTC-4
  });

  test("a trailing space in the pattern is not an error", () => {
    expect(nextFire(timingOf(def({ cron: "0 0 1 1 * " })), at("2026-03-01T00:00:00Z"), 0)).toBe(at("2027-01-01T00:00:00Z"));
  });

  test("every_s keeps its grid: a late fire does not shift the next ones", () => {
    const timing = timingOf(def({ every_s: 10 }));
    expect(nextFire(timing, 1_000_003, 1_000_000)).toBe(1_010_000);
    expect(nextFire(timing, 1_025_000, 1_000_000)).toBe(1_030_000); // two grid points passed: not made up
    expect(nextFire(timing, 999_000, 1_000_000)).toBe(1_000_000);
  });

  test("a loop has no clock", () => {
    expect(nextFire(timingOf(def({ loop: true })), 5, 5)).toBeNull();
    expect(firstFire(timingOf(def({ loop: true })), 1234)).toBe(1234);
    expect(firstFire(timingOf(def({ every_s: 2 })), 1000)).toBe(3000);
  });
});

describe("gate", () => {
  test("overlap skip refuses while the last run is in flight; queue does not", () => {
    expect(gate(def({ every_s: 1 }), 3, true, false)).toEqual({ kind: "skip", reason: "overlap" });
    expect(gate(def({ every_s: 1 }), 3, false, false)).toEqual({ kind: "fire" });
    expect(gate(def({ every_s: 1, overlap: "queue" }), 3, true, false)).toEqual({ kind: "fire" });
  });

  test("a loop never overlaps itself, even with overlap = queue", () => {
    expect(gate(def({ loop: true, overlap: "queue" }), 0, true, true)).toEqual({ kind: "skip", reason: "overlap" });
  });

  test("max_runs ends scheduled runs; a manual run ignores it", () => {
    expect(gate(def({ loop: true, max_runs: 3 }), 3, false, false)).toEqual({ kind: "done" });
    expect(gate(def({ loop: true, max_runs: 3 }), 2, false, false)).toEqual({ kind: "fire" });
    expect(gate(def({ loop: true, max_runs: 3 }), 3, false, true)).toEqual({ kind: "fire" });
  });
});

test("a loop waits loop_delay_s after a success and error_delay_s after anything else", () => {
  const loop = def({ loop: true, loop_delay_s: 0.5, error_delay_s: 2 });
  expect(loopDelayMs(loop, "succeeded")).toBe(500);
  for (const state of ["failed", "timed_out", "cancelled"] as const) expect(loopDelayMs(loop, state)).toBe(2000);
  expect(loopDelayMs(def({ loop: true }), "failed")).toBe(10_000); // SPEC §10's default
});

describe("startPlan", () => {
  const now = at("2026-01-01T12:00:30Z");

  test("a missed cron fire runs once at start with catch_up, and is dropped without", () => {
    const kept = { nextRunAt: at("2026-01-01T11:00:00Z"), inFlight: false };
    const hourly = { cron: "0 * * * *" };
    expect(startPlan(def({ ...hourly, catch_up: true }), timingOf(def(hourly)), kept, now)).toEqual({ catchUp: true, next: at("2026-01-01T13:00:00Z") });
    expect(startPlan(def(hourly), timingOf(def(hourly)), kept, now)).toEqual({ catchUp: false, next: at("2026-01-01T13:00:00Z") });
  });

  test("nothing missed: no catch-up; an every_s grid keeps its phase", () => {
    const every = def({ every_s: 60, catch_up: true });
    const future = now + 20_000;
    expect(startPlan(every, timingOf(every), { nextRunAt: future, inFlight: false }, now)).toEqual({ catchUp: false, next: future });
    expect(startPlan(every, timingOf(every), { nextRunAt: now - 70_000, inFlight: false }, now)).toEqual({ catchUp: true, next: now + 50_000 });
    expect(startPlan(every, timingOf(every), { nextRunAt: null, inFlight: false }, now)).toEqual({ catchUp: false, next: now + 60_000 });
  });

  test("a loop waits for its run in flight, else runs at its kept time or at once", () => {
    const loop = def({ loop: true, catch_up: true });
    const timing = timingOf(loop);
    expect(startPlan(loop, timing, { nextRunAt: now - 5, inFlight: true }, now)).toEqual({ catchUp: false, next: null });
    expect(startPlan(loop, timing, { nextRunAt: now - 5, inFlight: false }, now)).toEqual({ catchUp: false, next: now });
    expect(startPlan(loop, timing, { nextRunAt: now + 900, inFlight: false }, now)).toEqual({ catchUp: false, next: now + 900 });
  });
});
