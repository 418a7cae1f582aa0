/** The job operations (SPEC §5, §7). */
import { Accepted, BatchAccepted, BatchBody, DryRun, Job, JobList, JobLogs, ListQuery, SubmitBody, WaitAnswer, WaitBody } from "../shapes/jobs.ts";
import { SubmitQuery, WaitQuery } from "../shapes/params.ts";
import { json, JSON_TYPE, type Operation } from "./operation.ts";

const jsonBody = (schema: typeof SubmitBody | typeof BatchBody | typeof WaitBody) => ({ content: { [JSON_TYPE]: schema }, required: true });

export const jobOperations: Operation[] = [
  {
    method: "post", path: "/v1/jobs", id: "submitJob", tag: "jobs", query: SubmitQuery, body: jsonBody(SubmitBody),
    summary: "submit a job; journaled before the answer, so it survives kill -9",
    description: "An idempotency_key seen before answers the existing job. Refused: unknown_task (400), array problems (400, 409), queue_full (429), not_ready or shutting_down (503), each with Retry-After where waiting helps.",
    answers: {
      200: json([Job, DryRun], "the finished job (it ended within ?wait), or with ?dry_run=true what would happen"),
      202: json(Accepted, "journaled and queued (or already running)"),
    },
    errors: [400, 409, 413, 429, 503],
  },
  {
    method: "post", path: "/v1/jobs/batch", id: "submitBatch", tag: "jobs", body: jsonBody(BatchBody), summary: "submit up to 10,000 jobs at once, all or none",
    answers: { 202: json(BatchAccepted, "every job journaled, ids in order") }, errors: [400, 409, 413, 429, 503],
  },
  {
    method: "post", path: "/v1/jobs/wait", id: "waitForJobs", tag: "jobs", body: jsonBody(WaitBody), summary: "wait for some jobs' ends in one request",
    answers: { 200: json(WaitAnswer, "the jobs that ended, and those still pending") }, errors: [400, 404, 413],
  },
  {
    method: "get", path: "/v1/jobs", id: "listJobs", tag: "jobs", query: ListQuery, summary: "list jobs, newest first by default; page with ?after= the last answer's next",
    answers: { 200: json(JobList, "a page of jobs") }, errors: [400],
  },
  {
    method: "get", path: "/v1/jobs/:id", id: "getJob", tag: "jobs", query: WaitQuery, summary: "a job; ?wait=S long-polls until it has ended",
    answers: { 200: json(Job, "the job (as it is when the wait ends)") }, errors: [400, 404],
  },
  {
    method: "get", path: "/v1/jobs/:id/logs", id: "getJobLogs", tag: "jobs", summary: "the lines the job printed while it ran, per attempt",
    answers: { 200: json(JobLogs, "its lines") }, errors: [404],
  },
  {
    method: "delete", path: "/v1/jobs/:id", id: "cancelJob", tag: "jobs", summary: "cancel a job: a queued one is removed, a running one's worker is killed and replaced",
    answers: { 200: json(Job, "cancelled"), 202: json(Job, "its worker was killed; the exit is still awaited") }, errors: [404, 409],
  },
];
