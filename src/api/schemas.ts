/**
 * Request bodies of the control API. Strict objects: an unknown field is a 400, so a typo
 * such as `paylod` is reported instead of silently dropped.
 */
import { z } from "zod";
import { RetryOn } from "../config/schema.ts";
import { JobStateSchema } from "../protocol/job-states.ts";
import type { ListFilter, Submission } from "../io/submission.ts";
import { payloadProblem } from "./payload.ts";

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

const Payload = z.unknown().superRefine((value, ctx) => {
  const problem = payloadProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `the payload ${problem}` });
});

export const SubmitBody = z
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
  .refine((body) => body.delay_s === undefined || body.not_before === undefined, { message: "give delay_s or not_before, not both", path: ["not_before"] });
export type SubmitBody = z.infer<typeof SubmitBody>;
// What the schema accepts is what the engine takes (src/io/submission.ts): checked here.
const _submission: (body: SubmitBody) => Submission = (body) => body;

export const MAX_BATCH = 10_000;
export const BatchBody = z.object({ jobs: z.array(SubmitBody).min(1).max(MAX_BATCH) }).strict();
export type BatchBody = z.infer<typeof BatchBody>;

export const ListQuery = z
  .object({
    state: JobStateSchema.optional(),
    task: z.string().optional(),
    schedule: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    after: z.string().optional(),
    // Newest first, as a person looking at the queue wants; asc pages through in submission order.
    order: z.enum(["asc", "desc"]).default("desc"),
  })
  .strict();
export type ListQuery = z.infer<typeof ListQuery>;
const _filter: (query: ListQuery) => ListFilter = (query) => query;

/** `POST /v1/jobs/wait`: some jobs' ends in one request. */
export const WaitBody = z
  .object({
    ids: z.array(z.string().min(1).max(200)).min(1).max(MAX_BATCH),
    timeout_s: z.number().min(0).max(3600).default(30),
    all: z.boolean().default(false),
  })
  .strict();
