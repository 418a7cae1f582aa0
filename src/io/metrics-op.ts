/**
 * The `metrics` op: what the IO engine knows for `GET /metrics`, as plain figures. The
 * supervisor adds its own (workers, restarts, memory) and renders the Prometheus text.
 */
import type { Engine } from "./engine.ts";
import type { MetricsSnapshot } from "./metrics.ts";

type Status = { pools: Record<string, { queued: number; workers: number; busy: number }>; arrays?: { bytes?: number } };

export type IoMetrics = {
  uptime_s: number;
  pools: Status["pools"];
  jobs: MetricsSnapshot;
  arrays_bytes: number;
};

export function ioMetrics(engine: Engine, status: Status): IoMetrics {
  return {
    uptime_s: process.uptime(),
    pools: status.pools,
    jobs: engine.ledger.metrics.snapshot(),
    // The array store reports its bytes in the status when there is one; 0 until then.
    arrays_bytes: status.arrays?.bytes ?? 0,
  };
}
