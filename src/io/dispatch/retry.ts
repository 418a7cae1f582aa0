/**
 * Retry decisions (pure), SPEC §3 and §5.
 *
 * `max` counts retries after the first attempt, so a job runs at most `max + 1` times. A
 * retry waits `backoff_s × factor^(retry − 1)`, capped at `max_backoff_s`, then scaled by a
 * jitter in [0.5, 1] so jobs that failed together do not all come back together.
 */
import type { RetryPolicy } from "../../config/schema.ts";

/** Why an attempt failed, in the words of `retries.on`. */
export type FailureKind = "timeout" | "worker_lost" | "memory_limit_exceeded" | "gpu_memory_limit_exceeded" | "error";

export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

export function decideRetry(policy: RetryPolicy, attemptsMade: number, kind: FailureKind, random = Math.random): RetryDecision {
  if (!policy.on.includes(kind)) return { retry: false };
  if (attemptsMade > policy.max) return { retry: false };
  const base = policy.backoff_s * policy.factor ** (attemptsMade - 1);
  const capped = Math.min(base, policy.max_backoff_s);
  return { retry: true, delayMs: Math.round(capped * 1000 * (0.5 + random() * 0.5)) };
}
