/**
 * The worker routes (SPEC §7): the workers table, planned restarts of a worker or of a whole
 * pool, and the log lines the supervisor keeps for each process.
 */
import type { Hono } from "hono";
import type { CallOutcome } from "../protocol/calls.ts";
import type { Op } from "../protocol/link-messages.ts";
import type { SupervisorLink } from "../io/supervisor-link.ts";
import type { Views } from "../io/views.ts";
import { queryOf } from "./body.ts";
import { ApiError } from "./errors.ts";
import { LogsQuery, TailQuery } from "./shapes/params.ts";

/** The most lines one answer carries. */
const MAX_LINES = 1000;

export function registerWorkerRoutes(app: Hono, supervisor: SupervisorLink, views: Views): void {
  app.get("/v1/workers", async function listWorkers(c) {
    return c.json({ workers: await views.workers() });
  });
  app.post("/v1/workers/:id/restart", async function restartWorker(c) {
    const id = c.req.param("id");
    const answer = value(await supervisor.call("worker.restart", { id }));
    return c.json({ id: answer.id, restarting: true }, 202);
  });
  app.post("/v1/pools/:name/restart", async function restartPool(c) {
    const answer = value(await supervisor.call("pool.restart", { pool: c.req.param("name") }, 5000));
    return c.json({ ...answer, restarting: true }, 202);
  });
  app.get("/v1/workers/:id/logs", async function workerLogs(c) {
    const id = c.req.param("id");
    const answer = value(await supervisor.call("logs.tail", { process: id, n: Math.min(queryOf(c, TailQuery).tail, MAX_LINES) }));
    return c.json({ process: id, lines: answer.lines });
  });
  // With `after` (a follower's cursor) the page is the oldest lines after it, and `more` says
  // another follows; without, the newest `tail`.
  app.get("/v1/logs", async function allLogs(c) {
    const { after, tail } = queryOf(c, LogsQuery);
    return c.json(value(await supervisor.call("logs.page", { after: after ?? 0, n: Math.min(tail, MAX_LINES), oldest: after !== undefined })));
  });
}

/** The supervisor's answer, or its refusal as the API's (not_found stays 404). */
function value<O extends Op>(outcome: CallOutcome<O>) {
  if (outcome.ok) return outcome.value;
  if (outcome.error.code === "not_found") throw new ApiError(404, "not_found", outcome.error.message);
  throw new ApiError(503, "supervisor_unavailable", `the supervisor did not answer: ${outcome.error.message}`, 1);
}
