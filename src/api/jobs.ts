/**
 * The job routes (SPEC §5, §7): submit one or a batch (or check one: `?dry_run=true`), read
 * one (long-polled with `?wait=S`) and what it printed, list them, cancel one.
 */
import type { Context, Hono } from "hono";
import type { JobLogs } from "../io/job-logs.ts";
import type { JobOps } from "../io/ops.ts";
import { jsonBody, queryOf, waitMs } from "./body.ts";
import { BatchBody, ListQuery, SubmitBody, WaitBody, type JobLogs as JobLogsBody } from "./shapes/jobs.ts";
import { SubmitQuery } from "./shapes/params.ts";

export function registerJobRoutes(app: Hono, ops: JobOps, logs: JobLogs): void {
  app.post("/v1/jobs", async function submitJob(c) {
    const query = queryOf(c, SubmitQuery);
    if (query.dry_run === "" || query.dry_run === "true" || query.dry_run === "1") return c.json(await ops.dryRun(await jsonBody(c, SubmitBody)));
    const answer = await ops.submit(await jsonBody(c, SubmitBody), waitMs(c, query));
    return answer.status === 200 ? c.json(answer.job, 200) : c.json({ id: answer.id, state: answer.state }, 202);
  });
  app.post("/v1/jobs/batch", async function submitBatch(c) {
    return c.json(await ops.batch((await jsonBody(c, BatchBody)).jobs), 202);
  });
  app.post("/v1/jobs/wait", async function waitForJobs(c) {
    const body = await jsonBody(c, WaitBody);
    return c.json(await ops.waitMany(body.ids, Math.round(body.timeout_s * 1000), body.all));
  });
  app.get("/v1/jobs", async function listJobs(c) {
    return c.json(await ops.list(queryOf(c, ListQuery)));
  });
  app.get("/v1/jobs/:id", async function getJob(c) {
    return c.json(await ops.get(id(c), waitMs(c)));
  });
  app.get("/v1/jobs/:id/logs", async function jobLogs(c) {
    const job = await ops.get(id(c), 0); // 404 for a job gaia does not know
    return c.json({ job_id: job.id, attempts: await logs.of(job.id) } satisfies JobLogsBody);
  });
  app.delete("/v1/jobs/:id", async function cancelJob(c) {
    const answer = await ops.cancel(id(c));
    return c.json(answer.job, answer.status);
  });
}

const id = (c: Context) => c.req.param("id") ?? "";
