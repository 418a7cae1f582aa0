/**
 * Restart policy (pure), SPEC §1 — each worker on its own, like OTP's one_for_one.
 *
 * Decision table, by how the child exited:
 *   shutdown         → stay down
 *   planned          → restart at once; not a crash (recycling, timeout, memory, cancel, API)
 *   crash            → restart after a backoff: 0 the first time, then 100 ms doubling up to
 *                      `backoff_max_ms`; a child that ran 30 s before crashing starts over
 * Intensity: more than `intensity` crashes in one pool within `period_s` marks the pool
 * crashlooping. It never gives up (no silent FATAL): it keeps trying at the maximum backoff.
 */
export type ExitKind = "crash" | "planned" | "shutdown";
export type RestartConfig = { intensity: number; period_s: number; backoff_max_ms: number };

export const BACKOFF_RESET_UPTIME_MS = 30_000;
const FIRST_BACKOFF_MS = 100;

export type RestartDecision =
  | { action: "stay_down" }
  | { action: "restart"; delayMs: number; consecutive: number; poolCrashes: number[]; crashlooping: boolean };

export type RestartInput = {
  exit: ExitKind;
  now: number;
  uptimeMs: number;
  /** Crashes in a row of this child before this exit. */
  consecutive: number;
  /** Times (epoch ms, Date.now()) of the pool's recent crashes. */
  poolCrashes: number[];
  config: RestartConfig;
};

export function decideRestart(input: RestartInput): RestartDecision {
  const { exit, now, config } = input;
  if (exit === "shutdown") return { action: "stay_down" };
  const poolCrashes = recentCrashes(input.poolCrashes, now, config.period_s);
  if (exit === "planned") {
    return { action: "restart", delayMs: 0, consecutive: 0, poolCrashes, crashlooping: poolCrashes.length > config.intensity };
  }
  poolCrashes.push(now);
  const consecutive = input.uptimeMs >= BACKOFF_RESET_UPTIME_MS ? 1 : input.consecutive + 1;
  const crashlooping = poolCrashes.length > config.intensity;
  const delayMs = crashlooping ? config.backoff_max_ms : backoffMs(consecutive, config.backoff_max_ms);
  return { action: "restart", delayMs, consecutive, poolCrashes, crashlooping };
}

/** 0 for the first crash in a row, then 100 ms, 200 ms, 400 ms, ... capped. */
export function backoffMs(consecutive: number, maxMs: number): number {
  if (consecutive <= 1) return 0;
  return Math.min(FIRST_BACKOFF_MS * 2 ** (consecutive - 2), maxMs);
}

/** The crash times still inside the intensity window (OTP: drop the old, count). */
export function recentCrashes(times: number[], now: number, periodS: number): number[] {
  return times.filter((t) => now - t < periodS * 1000);
}
