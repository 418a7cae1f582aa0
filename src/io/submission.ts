/**
 * A job as submitted (SPEC §5, `POST /v1/jobs`), already checked by the API's schema
 * (src/api/shapes/jobs.ts must produce exactly this), and a listing's filter.
 */
import type { RetryPolicy } from "../config/schema.ts";
import type { JobState } from "../protocol/job-states.ts";

export type Submission = {
  task: string;
  payload?: unknown;
  arrays?: Record<string, string>;
  timeout_s?: number;
  retries?: Partial<RetryPolicy>;
  priority?: number;
  delay_s?: number;
  not_before?: string;
  session_id?: string;
  idempotency_key?: string;
};

export type ListFilter = { state?: JobState; task?: string; schedule?: string; limit: number; after?: string; order: "asc" | "desc" };
