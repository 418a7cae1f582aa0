/**
 * A timer for any delay: setTimeout takes at most 2^31 − 1 ms (about 24.8 days) and fires at
 * once for anything longer (Node's TimeoutOverflowWarning; Bun does the same), so a job
 * deferred by a month would run now. Longer waits are cut into steps; `clear` stops it.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type LongTimeout = { clear(): void };

export function longTimeout(fn: () => void, ms: number): LongTimeout {
  const at = Date.now() + ms;
  let timer: ReturnType<typeof setTimeout>;
  const arm = () => {
    const left = at - Date.now();
    timer = setTimeout(left > MAX_TIMER_MS ? arm : fn, Math.max(0, Math.min(left, MAX_TIMER_MS)));
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
