/** The operations about gaia itself: probes, status, workers and logs, GPUs, cluster nodes, events, metrics, shutdown, this document. */
import { EventId, EventsQuery, LogsQuery, TailQuery } from "../shapes/params.ts";
import { Nodes } from "../shapes/nodes.ts";
import { ErrorBody, Gpus, Health, LogPage, NotReady, OpenApiDocument, PoolRestart, ProcessLogs, Ready, Status, Stopping, WorkerRestart, Workers } from "../shapes/system.ts";
import { json, type Operation } from "./operation.ts";

export const systemOperations: Operation[] = [
  { method: "get", path: "/health", id: "getHealth", tag: "system", summary: "200 while the supervisor lives", open: true, answers: { 200: json(Health, "alive") }, errors: [] },
  {
    method: "get", path: "/ready", id: "getReady", tag: "system", open: true,
    summary: "200 when the IO engine serves and every pool has its configured workers, else 503 with the reasons",
    answers: { 200: json(Ready, "ready"), 503: json([NotReady, ErrorBody], "not ready, and why (only the error while the IO engine restarts)") }, errors: [],
  },
  {
    method: "get", path: "/v1/status", id: "getStatus", tag: "system",
    summary: "version, run id, node, uptime, IO engine, pools, queue depths, job counts, arrays, sessions and GPUs in brief",
    description: "While the IO engine restarts, the supervisor answers with what it knows (io.state restarting or crashlooping).",
    answers: { 200: json(Status, "the run in brief") }, errors: [],
  },
  { method: "get", path: "/v1/workers", id: "listWorkers", tag: "workers", summary: "every worker: pool, runtime, pid, state, job, jobs done, restarts, rss, GPUs, last exit; spares marked", answers: { 200: json(Workers, "the workers") }, errors: [] },
  {
    method: "post", path: "/v1/workers/:id/restart", id: "restartWorker", tag: "workers", summary: "a planned replacement of one worker (its job, if any, finishes first)",
    answers: { 202: json(WorkerRestart, "the replacement started") }, errors: [404, 503],
  },
  {
    method: "post", path: "/v1/pools/:name/restart", id: "restartPool", tag: "workers", summary: "replace a pool's workers one at a time, each new one ready before the next goes",
    answers: { 202: json(PoolRestart, "the replacements started") }, errors: [404, 503],
  },
  {
    method: "get", path: "/v1/workers/:id/logs", id: "getWorkerLogs", tag: "workers", summary: "a process's last lines, as the supervisor keeps them", query: TailQuery,
    answers: { 200: json(ProcessLogs, "the lines, oldest first") }, errors: [400, 404, 503],
  },
  {
    method: "get", path: "/v1/logs", id: "getLogs", tag: "workers", summary: "every process's last lines; with ?after= a follower's next page", query: LogsQuery,
    answers: { 200: json(LogPage, "the lines, oldest first") }, errors: [400, 503],
  },
  { method: "get", path: "/v1/gpus", id: "listGpus", tag: "gpus", summary: "every device of the last NVML sample, each process named by its worker; none, and why, on a host without", answers: { 200: json(Gpus, "the devices") }, errors: [] },
  {
    method: "get", path: "/v1/nodes", id: "listNodes", tag: "nodes", summary: "each node of the cluster: its lease, pools, workers and running jobs; self marks the one that answered",
    description: "A gaia of one host (no cluster.url) answers 404 not_clustered. While the cluster's journal cannot be read: 503 cluster_unavailable, with Retry-After.",
    answers: { 200: json(Nodes, "the nodes, as the shared journal holds them") }, errors: [404, 503],
  },
  {
    method: "get", path: "/v1/events", id: "streamEvents", tag: "events", query: EventsQuery,
    summary: "Server-Sent Events: process.*, job.*, schedule.*, session.*, gpu.*; each `id: N`, `event: KIND`, `data: {id, kind, at, data}`",
    description: "Resume with Last-Event-ID (the events the bus still holds after it are replayed first). A comment every 15 s keeps idle streams open; a client more than 4 MiB behind for 5 s, or more than 64 MiB behind, is dropped and reconnects.",
    headers: { "Last-Event-ID": { schema: EventId.optional(), description: "replay the held events after this id" } },
    answers: { 200: { description: "the event stream, until the client leaves", content: ["text/event-stream"] } }, errors: [400],
  },
  {
    method: "get", path: "/metrics", id: "getMetrics", tag: "system", summary: "Prometheus text format: workers, jobs, queue depths, run-time histograms, arrays, GPUs, sessions",
    description: "Open on TCP without the token when control.metrics_public = true.",
    answers: { 200: { description: "the metrics", content: ["text/plain"] } }, errors: [],
  },
  { method: "post", path: "/v1/shutdown", id: "shutdown", tag: "system", summary: "a graceful stop: running jobs finish within shutdown.grace_s, then every process ends", answers: { 202: json(Stopping, "stopping") }, errors: [] },
  { method: "get", path: "/openapi.json", id: "getOpenApi", tag: "system", summary: "this document (OpenAPI 3.1), generated from the zod schemas the routes validate with", answers: { 200: json(OpenApiDocument, "the document") }, errors: [] },
];
