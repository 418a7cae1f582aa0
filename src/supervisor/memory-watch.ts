/**
 * The memory watchdog (SPEC §2): every `memory_check_ms`, each live worker of a pool with a
 * `memory_limit_mb` has its private resident memory read, VmRSS − RssShmem from
 * /proc/PID/status, so shared array mappings do not count. Above the limit the worker is
 * killed with reason `memory` and the figures ("rss 612 MiB > limit 512 MiB"), which its
 * job's error carries; the worker is replaced like any planned stop.
 */
import type { Config } from "../config/schema.ts";
import { privateRssKb } from "../lib/proc.ts";
import type { Child } from "./child.ts";
import type { LogStore } from "./logs.ts";

/** Over the limit: the words for the job's error; else null (pure). */
export function overLimit(privateKb: number, limitMb: number): string | null {
  const mib = privateKb / 1024;
  return mib > limitMb ? `rss ${Math.round(mib)} MiB > limit ${limitMb} MiB` : null;
}

/** Starts one timer per limited pool; returns a function that stops them. */
export function watchMemory(config: Config, children: () => Iterable<Child>, logs: LogStore): () => void {
  const timers = config.pools
    .filter((pool) => pool.memory_limit_mb > 0)
    .map((pool) =>
      setInterval(() => {
        for (const child of children()) {
          if (child.spec.pool !== pool.name || (child.state.kind !== "ready" && child.state.kind !== "starting") || child.pid === null) continue;
          const kb = privateRssKb(child.pid);
          const over = kb === null ? null : overLimit(kb, pool.memory_limit_mb);
          if (!over) continue;
          logs.write("supervisor", `${child.spec.name} (pid ${child.pid}): ${over}; killing it`, "error");
          void child.stop("memory", 0, over);
        }
      }, pool.memory_check_ms),
    );
  // Pipeline nodes carry a limit of their own (memory_limit_mb in the node's definition).
  timers.push(setInterval(() => {
    for (const child of children()) {
      const limit = child.spec.memoryLimitMb ?? 0;
      if (limit <= 0 || child.pid === null || !child.running) continue;
      const kb = privateRssKb(child.pid);
      const over = kb === null ? null : overLimit(kb, limit);
      if (!over) continue;
      logs.write("supervisor", `${child.spec.name} (pid ${child.pid}): ${over}; killing it`, "error");
      void child.stop("memory", 0, over);
    }
  }, NODE_CHECK_MS));
  return () => timers.forEach(clearInterval);
}

const NODE_CHECK_MS = 250;
