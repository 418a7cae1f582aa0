/**
 * The control API (SPEC §7) as a Hono app. Routes translate HTTP into supervisor state or
 * into requests to the IO engine; every error goes through `errorResponse`.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Supervisor } from "../supervisor/supervisor.ts";
import { jsonBody, waitMs } from "./body.ts";
import { ApiError, errorResponse, invalid } from "./errors.ts";
import { registerEventRoutes } from "./events.ts";
import { registerMetricsRoute } from "./metrics.ts";
import { openapi } from "./openapi.ts";
import { registerArrayRoutes, uploadKind } from "./arrays.ts";
import { scheduleRoutes } from "./schedules.ts";
import { BatchBody, ListQuery, SubmitBody } from "./schemas.ts";

/** How long past a request's own wait the API waits for the IO engine before answering 503. */
const RELAY_TIMEOUT_MS = 30_000;

export function createApp(sup: Supervisor, maxBodyBytes: number): Hono {
  const { link, logs } = sup.deps;
  const app = new Hono();
  const log = (line: string) => logs.write("supervisor", line, "error");

  app.onError((err, c) => errorResponse(c, err, log));
  app.notFound((c) => errorResponse(c, new ApiError(404, "not_found", `no route ${c.req.method} ${c.req.path}; see GET /openapi.json`), log));
  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) => errorResponse(c, new ApiError(413, "too_large", `the body exceeds control.max_body_mb (${maxBodyBytes} bytes)`), log),
  });
  // Array uploads stream into their file and are bounded by arrays.max_bytes instead.
  const streamsToFile = (c: Context) => c.req.method === "POST" && c.req.path === "/v1/arrays" && uploadKind(c.req.header("content-type"), c.req.query()) !== "allocate";
  app.use((c, next) => (streamsToFile(c) ? next() : limitBody(c, next)));

  /** Answers with the IO engine's reply, keeping its status and Retry-After. */
  const relay = async (_c: Context, op: string, args: unknown, waitMs = 0) => {
    // Never wait forever on the engine: the longest honest answer is the caller's own wait.
    const reply = await link.request(op, args, waitMs + RELAY_TIMEOUT_MS);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (reply.retryAfterS !== undefined) headers["retry-after"] = String(reply.retryAfterS);
    return new Response(reply.body, { status: reply.status, headers });
  };
  const refuseWhileStopping = () => {
    if (sup.state === "stopping") throw new ApiError(503, "shutting_down", "gaia is shutting down and accepts no new jobs");
  };

  app.get("/health", (c) => c.json({ status: "ok", pid: process.pid, run_id: sup.deps.runId }));
  app.get("/ready", (c) => {
    const ready = sup.ready();
    if (ready.ok) return c.json({ ready: true });
    return c.json({ error: { code: "not_ready", message: ready.reasons.join("; ") }, reasons: ready.reasons }, 503);
  });
  app.get("/openapi.json", (c) => c.json(openapi));

  app.get("/v1/status", async (c) => {
    const io = await link.request("status", {}, 2000);
    const ioBody = io.status === 200 ? (JSON.parse(io.body) as { pid: number; pools: Record<string, { queued: number }>; jobs: Record<string, number>; arrays: unknown; io_socket: unknown }) : null;
    return c.json({
      version: sup.deps.version,
      run_id: sup.deps.runId,
      pid: process.pid,
      uptime_s: Math.round((Date.now() - sup.startedAt) / 1000),
      state: sup.state,
      io: { state: ioBody ? "ok" : sup.deps.table.poolState("io"), pid: ioBody?.pid ?? null, last_error: sup.deps.table.health.get("io")?.lastError ?? null },
      pools: sup.pools().map((p) => ({ ...p, queued: ioBody?.pools[p.name]?.queued ?? null })),
      jobs: ioBody?.jobs ?? null,
      arrays: ioBody?.arrays ?? null,
      io_socket: ioBody?.io_socket ?? null,
    });
  });

  app.get("/v1/workers", async (c) => {
    const io = await link.request("workers", {}, 2000);
    const live = new Map((io.status === 200 ? (JSON.parse(io.body) as { id: string; state: string; job: string | null; jobs_done: number }[]) : []).map((w) => [w.id, w]));
    const workers = sup.workers().map((w) => {
      const seen = live.get(w.id);
      const state = w.state === "ready" && seen ? seen.state : w.state;
      return { ...w, state, job: seen?.job ?? null, jobs_done: seen?.jobs_done ?? null };
    });
    return c.json({ workers });
  });
  app.post("/v1/workers/:id/restart", (c) => {
    if (!sup.restartWorker(c.req.param("id"))) throw new ApiError(404, "not_found", `no worker '${c.req.param("id")}'`);
    return c.json({ id: c.req.param("id"), restarting: true }, 202);
  });
  app.get("/v1/workers/:id/logs", (c) => {
    const id = c.req.param("id");
    const known = id === "supervisor" || sup.deps.table.children.has(id);
    if (!known) throw new ApiError(404, "not_found", `no process '${id}'; see GET /v1/workers`);
    return c.json({ process: id, lines: logs.tail(id, tail(c)) ?? [] });
  });
  // With `after` (a follower's cursor) the page is the oldest lines after it, and `more` says
  // another follows; without, the newest `tail`.
  app.get("/v1/logs", (c) => {
    const after = c.req.query("after");
    return c.json(logs.all(tail(c), Number(after ?? 0) || 0, after !== undefined));
  });

  app.post("/v1/jobs", async (c) => {
    refuseWhileStopping();
    const wait = waitMs(c);
    return relay(c, "submit", { body: await jsonBody(c, SubmitBody), wait_ms: wait }, wait);
  });
  app.post("/v1/jobs/batch", async (c) => {
    refuseWhileStopping();
    return relay(c, "batch", await jsonBody(c, BatchBody));
  });
  app.get("/v1/jobs", (c) => {
    const parsed = ListQuery.safeParse(c.req.query());
    if (!parsed.success) throw invalid(parsed.error, "query");
    return relay(c, "list", parsed.data);
  });
  app.get("/v1/jobs/:id", (c) => {
    const wait = waitMs(c);
    return relay(c, "get", { id: c.req.param("id"), wait_ms: wait }, wait);
  });
  app.delete("/v1/jobs/:id", (c) => relay(c, "cancel", { id: c.req.param("id") }));
  scheduleRoutes(app, relay);

  registerArrayRoutes(app, link);
  registerEventRoutes(app, sup.deps.events);
  registerMetricsRoute(app, sup);

  app.post("/v1/shutdown", (c) => {
    setTimeout(() => sup.requestShutdown("POST /v1/shutdown"), 0);
    return c.json({ stopping: true }, 202);
  });
  return app;
}

function tail(c: Context): number {
  const n = Number(c.req.query("tail") ?? 100);
  if (!Number.isInteger(n) || n < 1) throw new ApiError(400, "invalid_request", `tail must be a positive integer, got '${c.req.query("tail")}'`);
  return Math.min(n, 1000);
}
