/**
 * The job record (SPEC §5) as the IO engine holds it, and its JSON face for the API.
 *
 * `attempts` counts attempts started: 1 while the first runs. A retry puts the job back to
 * `queued` with a not-before time; shutdown puts a running job back without counting it.
 */
import type { ErrorInfo, InputArray, JobMessage, Usage } from "../protocol/worker-messages.ts";
import type { RetryPolicy } from "../config/schema.ts";
import type { JobState } from "../protocol/job-states.ts";
import type { Job as JobBody } from "../api/shapes/jobs.ts";

export { isTerminal, JOB_STATES, type JobState, type TerminalState } from "../protocol/job-states.ts";

export type Job = {
  id: string;
  task: string;
  pool: string;
  state: JobState;
  payload: unknown;
  arrays: Record<string, string>;
  result: unknown;
  result_arrays: Record<string, string>;
  error: ErrorInfo | null;
  attempts: number;
  max_attempts: number;
  /** Higher runs first within its pool, then oldest first (SPEC §5). */
  priority: number;
  session_id: string | null;
  idempotency_key: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  /** Epoch ms before which the job is not dispatched: a deferred submission, or a retry's wait. */
  not_before: number;
  worker: { id: string; pid: number } | null;
  execution_ms: number | null;
  usage: Usage | null;
  progress: { fraction: number; message: string | null } | null;
  timeout_s: number;
  retries: RetryPolicy;
  /** The schedule that created this job, or null for a job submitted through the API. */
  schedule: string | null;
  /** The cluster node that holds it (SPEC §13); absent on one host. Not a journal column: PostgreSQL keeps it (node). */
  node?: string | null;
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The job as the API shows it: times as ISO 8601, internals left out; typed by the API's schema. */
export type JobView = JobBody;

export function jobView(job: Job): JobView {
  return {
    id: job.id,
    task: job.task,
    pool: job.pool,
    state: job.state,
    payload: job.payload,
    arrays: job.arrays,
    result: job.result,
    result_arrays: job.result_arrays,
    error: job.error,
    attempts: job.attempts,
    max_attempts: job.max_attempts,
    priority: job.priority,
    not_before: job.not_before > 0 ? iso(job.not_before) : null,
    session_id: job.session_id,
    idempotency_key: job.idempotency_key,
    created_at: iso(job.created_at),
    started_at: iso(job.started_at),
    finished_at: iso(job.finished_at),
    worker: job.worker,
    execution_ms: job.execution_ms,
    usage: job.usage,
    progress: job.progress,
    timeout_s: job.timeout_s,
    schedule: job.schedule,
    node: job.node ?? null,
  };
}

/** The `job` frame that hands `job` to a worker for the given attempt. */
export function jobMessage(job: Job, attempt: number, sessionReset: boolean, inputs?: Record<string, InputArray>): JobMessage {
  const message: JobMessage = {
    t: "job",
    id: job.id,
    task: job.task,
    payload: job.payload,
    attempt,
    timeout_ms: job.timeout_s * 1000,
    priority: job.priority,
    session_id: job.session_id,
    session_reset: sessionReset,
  };
  if (inputs) message.arrays = inputs;
  return message;
}
