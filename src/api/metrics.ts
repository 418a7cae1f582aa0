/**
 * `GET /metrics`: gaia in the Prometheus text format (SPEC §7).
 *
 * The IO engine's figures (jobs by task and outcome, run-time histograms, queue depths,
 * array bytes) come over the `metrics` op; the supervisor adds what only it knows: each
 * worker's state, resident memory and restarts by reason, and its own uptime. While the IO
 * engine is down (restarting) its families are left out rather than reported as zeros,
 * which would read as counter resets.
 */
import type { Hono } from "hono";
import type { IoMetrics } from "../io/metrics-op.ts";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { CONTENT_TYPE, histogramSamples, render, type Family } from "./prometheus.ts";

const IO_TIMEOUT_MS = 2000;

export function registerMetricsRoute(app: Hono, sup: Supervisor): void {
  app.get("/metrics", async () => {
    const reply = await sup.deps.link.request("metrics", {}, IO_TIMEOUT_MS);
    const io = reply.status === 200 ? (JSON.parse(reply.body) as IoMetrics) : null;
    const text = render([...supervisorFamilies(sup, io !== null), ...(io ? ioFamilies(io) : [])]);
    return new Response(text, { headers: { "content-type": CONTENT_TYPE } });
  });
}

function supervisorFamilies(sup: Supervisor, ioUp: boolean): Family[] {
  const workers = sup.workers();
  const restarts = [...sup.processEvents.restarts].flatMap(([worker, byReason]) =>
    [...byReason].map(([reason, value]) => ({ labels: { worker, reason }, value })),
  );
  return [
    { name: "gaia_uptime_seconds", help: "Seconds since the supervisor started.", type: "gauge", samples: [{ value: (Date.now() - sup.startedAt) / 1000 }] },
    { name: "gaia_io_engine_up", help: "1 while the supervisor is connected to the IO engine.", type: "gauge", samples: [{ value: ioUp ? 1 : 0 }] },
    {
      name: "gaia_workers", help: "Workers by pool and state.", type: "gauge",
      samples: sup.pools().flatMap((p) => ["ready", "starting", "stopping", "backoff", "stopped"].map((state) => ({
        labels: { pool: p.name, state }, value: workers.filter((w) => w.pool === p.name && w.state === state).length,
      }))),
    },
    {
      name: "gaia_pool_crashlooping", help: "1 while the pool crashes more than restart.intensity times per restart.period_s.", type: "gauge",
      samples: sup.pools().map((p) => ({ labels: { pool: p.name }, value: p.state === "crashlooping" ? 1 : 0 })),
    },
    { name: "gaia_worker_restarts_total", help: "Worker restarts, by worker and the reason its process ended (crash, timeout, memory, cancel, recycle, restart).", type: "counter", samples: restarts },
    {
      name: "gaia_worker_rss_bytes", help: "Resident memory of each running worker process.", type: "gauge",
      samples: workers.filter((w) => w.rss_kb !== null).map((w) => ({ labels: { worker: w.id, pool: w.pool ?? "" }, value: w.rss_kb! * 1024 })),
    },
  ];
}

function ioFamilies(io: IoMetrics): Family[] {
  const pools = Object.entries(io.pools);
  return [
    { name: "gaia_io_engine_uptime_seconds", help: "Seconds since the IO engine started; its job counters start at zero then.", type: "gauge", samples: [{ value: io.uptime_s }] },
    { name: "gaia_queue_depth", help: "Jobs queued per pool.", type: "gauge", samples: pools.map(([pool, p]) => ({ labels: { pool }, value: p.queued })) },
    { name: "gaia_jobs_running", help: "Jobs running per pool.", type: "gauge", samples: pools.map(([pool, p]) => ({ labels: { pool }, value: p.busy })) },
    {
      name: "gaia_jobs_total", help: "Jobs that ended, by task and outcome (succeeded, failed, timed_out, cancelled).", type: "counter",
      samples: io.jobs.tasks.flatMap((t) => Object.entries(t.outcomes).map(([outcome, value]) => ({ labels: { task: t.task, outcome }, value }))),
    },
    {
      name: "gaia_job_duration_seconds", help: "Run time of ended jobs by task, from the start of their last attempt.", type: "histogram",
      samples: io.jobs.tasks.flatMap((t) => histogramSamples({ task: t.task }, io.jobs.buckets, t.buckets, t.sum, t.count)),
    },
    { name: "gaia_arrays_bytes", help: "Bytes held by shared-memory arrays.", type: "gauge", samples: [{ value: io.arrays_bytes }] },
  ];
}
