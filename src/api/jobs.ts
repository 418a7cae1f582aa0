/**
 * The job routes (SPEC §5, §7): submit one or a batch (or check one: `?dry_run=true`), read
 * one (long-polled with `?wait=S`) and what it printed, list them, cancel one.
 */
import type { Context, Hono } from "hono";
import type { JobLogs } from "../io/job-logs.ts";
import type { Ops } from "../io/ops.ts";
import { jsonBody, waitMs } from "./body.ts";
import { ApiError, invalid } from "./errors.ts";
import { BatchBody, ListQuery, SubmitBody, WaitBody } from "./schemas.ts";

export function registerJobRoutes(app: Hono, ops: Ops, logs: JobLogs): void {
  app.post("/v1/jobs", async function submitJob(c) {
    if (dryRun(c)) return c.json(ops.dryRun(await jsonBody(c, SubmitBody)));
    const wait = waitMs(c);
    const answer = await ops.submit(await jsonBody(c, SubmitBody), wait);
    return answer.status === 200 ? c.json(answer.job, 200) : c.json({ id: answer.id, state: answer.state }, 202);
  });
  app.post("/v1/jobs/batch", async function submitBatch(c) {
    return c.json(ops.batch((await jsonBody(c, BatchBody)).jobs), 202);
  });
  app.post("/v1/jobs/wait", async function waitForJobs(c) {
    const body = await jsonBody(c, WaitBody);
    return c.json(await ops.waitMany(body.ids, Math.round(body.timeout_s * 1000), body.all));
  });
  app.get("/v1/jobs", function listJobs(c) {
    const parsed = ListQuery.safeParse(c.req.query());
    if (!parsed.success) throw invalid(parsed.error, "query");
    return c.json(ops.list(parsed.data));
  });
  app.get("/v1/jobs/:id", async function getJob(c) {
    return c.json(await ops.get(id(c), waitMs(c)));
  });
  app.get("/v1/jobs/:id/logs", async function jobLogs(c) {
    const job = await ops.get(id(c), 0); // 404 for a job gaia does not know
    return c.json({ job_id: job.id, attempts: logs.of(job.id) });
  });
  app.delete("/v1/jobs/:id", async function cancelJob(c) {
    const answer = await ops.cancel(id(c));
    return c.json(answer.job, answer.status);
  });
}

const id = (c: Context) => c.req.param("id") ?? "";

function dryRun(c: Context): boolean {
  const raw = c.req.query("dry_run");
  if (raw === undefined || raw === "false" || raw === "0") return false;
  if (raw === "" || raw === "true" || raw === "1") return true;
  throw new ApiError(400, "invalid_request", `dry_run must be true or false, got '${raw}'`);
}
