/**
 * `GET /metrics`: gaia in the Prometheus text format (SPEC §7).
 *
 * The engine's own figures (jobs by task and outcome, run-time histograms, queue depths,
 * array bytes) and the supervisor's (each worker's state, resident memory, restarts by
 * reason, its uptime: its process table, over the link). When the supervisor does not
 * answer, its families are left out rather than reported as zeros. GPU families are in
 * gpu-metrics.ts, pipeline sessions' in session-metrics.ts, a cluster's nodes' in cluster-metrics.ts.
 */
import type { Hono } from "hono";
import type { CallResult } from "../protocol/link-messages.ts";
import type { ApiDeps } from "./app.ts";
import { gpuFamilies } from "./gpu-metrics.ts";
import { CONTENT_TYPE, histogramSamples, render, type Family } from "./prometheus.ts";
import { sessionFamilies } from "./session-metrics.ts";
import { clusterFamilies } from "./cluster-metrics.ts";
import { buildInfo, processFamilies, type ProcessFigures } from "./process-metrics.ts";
import { procFigures } from "../lib/proc.ts";
import { VERSION } from "../version.ts";

type Processes = CallResult<"processes">;
const WORKER_STATES = ["ready", "starting", "stopping", "backoff", "stopped"] as const;

export function registerMetricsRoute(app: Hono, deps: ApiDeps): void {
  app.get("/metrics", async function metrics() {
    const sup = await deps.views.processes();
    const gpus = gpuFamilies(deps.views.gpuSample(), deps.views.gpuOwners());
    const sessions = sessionFamilies(deps.pipelines.runtime.list(), deps.pipelines.list().map((p) => p.name));
    const own = [buildInfo(VERSION, Bun.version), ...processFamilies(gaiaProcesses(sup))];
    // The cluster's nodes, when the shared journal answers; left out, not zeroed, when it does not.
    const nodes = deps.nodes ? await deps.nodes.list().catch(() => null) : null;
    const cluster = nodes ? clusterFamilies(nodes, Date.now()) : [];
    const text = render([...own, ...(sup ? supervisorFamilies(sup) : []), ...engineFamilies(deps), ...gpus, ...sessions, ...cluster]);
    return new Response(text, { headers: { "content-type": CONTENT_TYPE } });
  });
}

/** Every process of the run, from the supervisor's table; only this one when it does not answer. */
function gaiaProcesses(sup: Processes | null): ProcessFigures[] {
  const listed: { process: string; role: string; pid: number }[] = sup
    ? [{ process: "supervisor", role: "supervisor", pid: sup.supervisor.pid }, ...sup.processes.filter((p) => p.pid !== null).map((p) => ({ process: p.name, role: p.runtime, pid: p.pid! }))]
    : [{ process: "io", role: "io", pid: process.pid }];
  return listed.flatMap(({ process, role, pid }) => {
    const figures = procFigures(pid);
    return figures ? [{ process, role, figures }] : [];
  });
}

function supervisorFamilies(sup: Processes): Family[] {
  const workers = sup.processes.filter((p) => p.runtime === "bun" || p.runtime === "python");
  const restarts = sup.processes.flatMap((p) => Object.entries(p.restarts_by_reason).map(([reason, value]) => ({ labels: { worker: p.name, reason }, value })));
  return [
    { name: "gaia_uptime_seconds", help: "Seconds since the supervisor started.", type: "gauge", samples: [{ value: (Date.now() - sup.supervisor.started_at) / 1000 }] },
    {
      name: "gaia_workers", help: "Workers by pool and state (spares included).", type: "gauge",
      samples: sup.pools.flatMap((pool) => WORKER_STATES.map((state) => ({
        labels: { pool: pool.name, state }, value: workers.filter((w) => w.pool === pool.name && w.state === state).length,
      }))),
    },
    {
      name: "gaia_pool_crashlooping", help: "1 while the pool crashes more than restart.intensity times per restart.period_s.", type: "gauge",
      samples: sup.pools.map((p) => ({ labels: { pool: p.name }, value: p.state === "crashlooping" ? 1 : 0 })),
    },
    { name: "gaia_worker_restarts_total", help: "Worker restarts, by worker and the reason its process ended (crash, timeout, memory, cancel, recycle, restart).", type: "counter", samples: restarts },
    {
      name: "gaia_worker_rss_bytes", help: "Resident memory of each running worker process.", type: "gauge",
      samples: workers.filter((w) => w.rss_kb !== null).map((w) => ({ labels: { worker: w.name, pool: w.pool ?? "" }, value: w.rss_kb! * 1024 })),
    },
  ];
}

function engineFamilies({ engine }: ApiDeps): Family[] {
  const pools = [...engine.pools.values()];
  const jobs = engine.ledger.metrics.snapshot();
  return [
    { name: "gaia_io_engine_up", help: "1 while the IO engine serves (this answer comes from it).", type: "gauge", samples: [{ value: 1 }] },
    { name: "gaia_io_engine_uptime_seconds", help: "Seconds since the IO engine started; its job counters start at zero then.", type: "gauge", samples: [{ value: process.uptime() }] },
    { name: "gaia_queue_depth", help: "Jobs queued per pool.", type: "gauge", samples: pools.map((p) => ({ labels: { pool: p.name }, value: p.waiting })) },
    {
      name: "gaia_jobs_running", help: "Jobs running per pool.", type: "gauge",
      samples: pools.map((p) => ({ labels: { pool: p.name }, value: [...p.members].filter((w) => w.state.kind === "busy" || (w.state.kind === "stopping" && w.state.job)).length })),
    },
    {
      name: "gaia_jobs_total", help: "Jobs that ended, by task and outcome (succeeded, failed, timed_out, cancelled).", type: "counter",
      samples: jobs.tasks.flatMap((t) => Object.entries(t.outcomes).map(([outcome, value]) => ({ labels: { task: t.task, outcome }, value }))),
    },
    {
      name: "gaia_job_duration_seconds", help: "Run time of ended jobs by task, from the start of their last attempt.", type: "histogram",
      samples: jobs.tasks.flatMap((t) => histogramSamples({ task: t.task }, jobs.buckets, t.buckets, t.sum, t.count)),
    },
    {
      name: "gaia_job_queue_wait_seconds", help: "How long attempts waited in the queue by task: from when the job could run (created, not_before, or its retry's delay over) to the attempt's start.", type: "histogram",
      samples: jobs.tasks.flatMap((t) => histogramSamples({ task: t.task }, jobs.waitBuckets, t.wait.buckets, t.wait.sum, t.wait.count)),
    },
    { name: "gaia_job_retries_total", help: "Attempts that failed and were retried, by task.", type: "counter", samples: jobs.tasks.map((t) => ({ labels: { task: t.task }, value: t.retries })) },
    { name: "gaia_arrays_bytes", help: "Bytes held by shared-memory arrays.", type: "gauge", samples: [{ value: engine.arrays.usedBytes }] },
  ];
}
