/**
 * When an SSE client is too far behind to keep: a pure rule, so that it can be tested alone.
 *
 * One commit can carry many events at once (a batch of 100,000 jobs is that many
 * `job.queued` events, about 35 MB), and a replay after a reconnect sends up to the bus's
 * whole table in one go. A client that reads on catches up with such a burst within a
 * moment, so a burst alone is no reason to drop it: dropping it would only make it reconnect,
 * be replayed as much again and be dropped again. What is dropped is a client that stays
 * more than SOFT_BYTES behind for GRACE_MS (it does not keep up), or that is more than
 * HARD_BYTES behind at any moment (the most one client may hold of the IO engine's memory).
 */
export const SOFT_BYTES = 4 * 1024 * 1024;
export const HARD_BYTES = 64 * 1024 * 1024;
export const GRACE_MS = 5_000;

/** Over the soft bound since `overSince` (ms), or not over it (null). */
export type Lag = { overSince: number | null };

export type LagVerdict = { t: "keep"; lag: Lag } | { t: "drop"; why: string };

export function judgeLag(behindBytes: number, lag: Lag, now: number): LagVerdict {
  if (behindBytes > HARD_BYTES) return { t: "drop", why: "the client fell more than 64 MiB behind" };
  if (behindBytes <= SOFT_BYTES) return { t: "keep", lag: { overSince: null } };
  const overSince = lag.overSince ?? now;
  if (now - overSince >= GRACE_MS) return { t: "drop", why: "the client stayed more than 4 MiB behind for 5 s" };
  return { t: "keep", lag: { overSince } };
}
