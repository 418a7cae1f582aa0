/**
 * Jobs (SPEC §5, §7): what `POST /v1/jobs`, `/v1/jobs/batch` and `/v1/jobs/wait` take, the
 * listing's query, and every answer of the job routes. Request bodies are strict objects: an
 * unknown field is a 400, so a typo such as `paylod` is reported instead of silently dropped.
 */
import { z } from "zod";
import { Retries, RetryOn } from "../../config/schema.ts";
import { GpuRef } from "../../protocol/gpu-sample.ts";
import { JobStateSchema } from "../../protocol/job-states.ts";
import { ErrorInfo, Usage } from "../../protocol/worker-messages.ts";
import type { ListFilter, Submission } from "../../io/submission.ts";
import { payloadProblem } from "../payload.ts";
import { request, response, Time } from "./registry.ts";

const name = z.string().min(1).max(200);
/** A job deferred by more than a year is a schedule's work (SPEC §10). */
const MAX_DELAY_S = 366 * 86_400;

export const RetriesOverride = z
  .object({
    max: z.number().int().min(0).max(1000).optional(),
    on: z.array(RetryOn).optional(),
    backoff_s: z.number().min(0).max(86_400).optional(),
    factor: z.number().min(1).max(100).optional(),
    max_backoff_s: z.number().min(0).max(86_400).optional(),
  })
  .strict();

const Payload = z
  .unknown()
  .superRefine((value, ctx) => {
    const problem = payloadProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: `the payload ${problem}` });
  })
  .meta({ description: "any JSON value, nested at most 256 levels, no key named __proto__" });

export const SubmitBody = request(
  "Submit",
  z
    .object({
      task: name,
      payload: Payload.optional(),
      arrays: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,99}$/, "input names are letters, digits, '_', '.' and '-'"), z.string().max(200)).optional(),
      // Below 10 ms a timeout is shorter than a process wake-up here: it would only ever fire.
      timeout_s: z.number().min(0.01).max(7 * 86_400).optional(),
      retries: RetriesOverride.optional(),
      // Higher runs first within a pool; the bound keeps the number of priority lanes sane.
      priority: z.number().int().min(-1_000_000).max(1_000_000).optional(),
      delay_s: z.number().min(0).max(MAX_DELAY_S).optional(),
      not_before: z.iso.datetime({ offset: true, error: "expected an RFC 3339 time such as 2026-12-01T10:00:00Z" }).optional(),
      session_id: name.optional(),
      idempotency_key: name.optional(),
    })
    .strict()
    .refine((body) => body.delay_s === undefined || body.not_before === undefined, { message: "give delay_s or not_before, not both", path: ["not_before"] })
    // The refinement in JSON Schema's words, so that the document says it too.
    .meta({ not: { required: ["delay_s", "not_before"] } }),
  "a job to run; every field but task is optional (delay_s and not_before exclude each other)",
  [{ task: "echo", payload: { hello: "world" } }, { task: "echo", payload: [1, 2], priority: 5, timeout_s: 30, idempotency_key: "report-2026-12-01" }],
);
export type SubmitBody = z.infer<typeof SubmitBody>;
// What the schema accepts is what the engine takes (src/io/submission.ts): checked here.
const _submission: (body: SubmitBody) => Submission = (body) => body;

export const MAX_BATCH = 10_000;
export const BatchBody = request("Batch", z.object({ jobs: z.array(SubmitBody).min(1).max(MAX_BATCH) }).strict(), "up to 10,000 jobs, admitted all or none", [
  { jobs: [{ task: "echo", payload: 1 }, { task: "echo", payload: 2 }] },
]);
export type BatchBody = z.infer<typeof BatchBody>;

/** `POST /v1/jobs/wait`: some jobs' ends in one request. */
export const WaitBody = request(
  "WaitMany",
  z
    .object({
      ids: z.array(z.string().min(1).max(200)).min(1).max(MAX_BATCH),
      timeout_s: z.number().min(0).max(3600).default(30),
      all: z.boolean().default(false),
    })
    .strict(),
  "answer as soon as one of ids has ended (all: once every one has), or at timeout_s",
);

export const ListQuery = z
  .object({
    state: JobStateSchema.optional(),
    task: z.string().optional(),
    schedule: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    after: z.string().optional().meta({ description: "the `next` of the previous page" }),
    // Newest first, as a person looking at the queue wants; asc pages through in submission order.
    order: z.enum(["asc", "desc"]).default("desc"),
  })
  .strict();
export type ListQuery = z.infer<typeof ListQuery>;
const _filter: (query: ListQuery) => ListFilter = (query) => query;

// ---- answers ---------------------------------------------------------------------------

const JobStateOut = JobStateSchema;

export const Job = response(
  "Job",
  z.object({
    id: z.string(),
    task: z.string(),
    pool: z.string(),
    state: JobStateOut,
    payload: z.unknown(),
    arrays: z.record(z.string(), z.string()).meta({ description: "input name → array name" }),
    result: z.unknown(),
    result_arrays: z.record(z.string(), z.string()).meta({ description: "output name → array name" }),
    error: ErrorInfo.nullable(),
    attempts: z.number().int().meta({ description: "attempts started: 1 while the first runs" }),
    max_attempts: z.number().int(),
    priority: z.number().int(),
    not_before: Time.nullable(),
    session_id: z.string().nullable(),
    idempotency_key: z.string().nullable(),
    created_at: Time.nullable(),
    started_at: Time.nullable(),
    finished_at: Time.nullable(),
    worker: z.object({ id: z.string(), pid: z.number().int() }).nullable(),
    execution_ms: z.number().nullable(),
    usage: Usage.nullable(),
    progress: z.object({ fraction: z.number(), message: z.string().nullable() }).nullable(),
    timeout_s: z.number(),
    schedule: z.string().nullable().meta({ description: "the schedule that made it; null for a job submitted through the API" }),
    node: z.string().nullable().meta({ description: "the cluster node that runs or ran it (SPEC §13); null on one host, and while queued" }),
  }),
  "a job (SPEC §5); times are ISO 8601, unset ones null",
);
/** src/io/job.ts's jobView is typed with it. */
export type Job = z.output<typeof Job>;

export const Accepted = response("Accepted", z.object({ id: z.string(), state: JobStateOut }), "journaled: enough to find the job again");
export const BatchAccepted = response("BatchAccepted", z.object({ ids: z.array(z.string()) }));
export const JobList = response("JobList", z.object({ jobs: z.array(Job), next: z.string().nullable().meta({ description: "pass as ?after= for the next page; null on the last" }) }));
export const WaitAnswer = response("WaitAnswer", z.object({ jobs: z.array(Job), pending: z.array(z.string()) }), "the jobs that ended, and the ids still pending");

export const JobLogs = response(
  "JobLogs",
  z.object({
    job_id: z.string(),
    attempts: z.array(z.object({ attempt: z.number().int(), lines: z.array(z.object({ at: z.string(), level: z.string(), line: z.string() })) })),
  }),
  "the lines the job printed, per attempt",
);

export const DryRun = response(
  "DryRun",
  z.union([
    z.object({ dry_run: z.literal(true), existing: Accepted }),
    z.object({
      dry_run: z.literal(true),
      task: z.string(),
      pool: z.string(),
      worker: z.object({ id: z.string(), pid: z.number().int(), gpus: z.array(GpuRef), now: z.boolean() }).nullable(),
      queued_before: z.number().int(),
      timeout_s: z.number(),
      retries: Retries,
      max_attempts: z.number().int(),
      arrays: z.record(z.string(), z.string()),
    }),
  ]),
  "what a submission would do now (nothing is journaled): the job its idempotency key names, or where it would go",
);
export type Accepted = z.output<typeof Accepted>;
export type JobList = z.output<typeof JobList>;
export type WaitAnswer = z.output<typeof WaitAnswer>;
export type JobLogs = z.output<typeof JobLogs>;
export type DryRun = z.output<typeof DryRun>;
