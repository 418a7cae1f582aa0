/**
 * The shapes of the control API's answers as the CLI reads them (SPEC §5, §7). Only what
 * the human output uses is typed; `--json` prints the body untouched, so a field the server
 * adds later reaches scripts without a CLI change.
 */

export type JobState = "queued" | "running" | "succeeded" | "failed" | "timed_out" | "cancelled";

export const TERMINAL_STATES: ReadonlySet<string> = new Set(["succeeded", "failed", "timed_out", "cancelled"]);

export type JobError = { type: string; message: string; traceback?: string | null };

export type Job = {
  id: string;
  task: string;
  pool?: string | null;
  state: JobState;
  payload?: unknown;
  arrays?: Record<string, string> | null;
  result?: unknown;
  result_arrays?: Record<string, unknown> | null;
  error?: JobError | null;
  attempts?: number;
  max_attempts?: number;
  session_id?: string | null;
  idempotency_key?: string | null;
  created_at?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
  worker?: { id: string; pid: number | null } | null;
  execution_ms?: number | null;
  usage?: { user_ms?: number; sys_ms?: number; max_rss_kb?: number } | null;
  progress?: { fraction: number; message?: string | null } | null;
};

/** The 202 answer to a submission: just enough to find the job again. */
export type Accepted = { id: string; state: JobState };

export type JobList = { jobs: Job[]; next: string | null };

export type Pool = {
  name: string;
  runtime: string;
  size: number;
  ready: number;
  state: "ok" | "starting" | "crashlooping";
  last_error: string | null;
  queued: number;
};

export type Status = {
  version: string;
  run_id: string;
  pid: number;
  uptime_s: number;
  state: "starting" | "running" | "stopping";
  io: { state: string; pid: number | null };
  pools: Pool[];
  jobs: Record<JobState, number>;
};

export type Worker = {
  id: string;
  pool: string;
  runtime: string;
  pid: number | null;
  state: string;
  job: string | null;
  jobs_done: number;
  restarts: number;
  rss_kb: number | null;
  started_at: string | null;
  last_exit: { code: number | null; signal: string | null; reason: string | null; at: string | null } | null;
};

export type LogLine = { seq: number; at: string; process: string; line: string };

/** A schedule as GET /v1/schedules shows it (SPEC §10). */
export type Schedule = {
  name: string;
  source: "config" | "api";
  task: string;
  cron: string | null;
  timezone: string | null;
  every_s: number | null;
  loop: boolean;
  max_runs: number | null;
  overlap: "skip" | "queue";
  paused: boolean;
  state: "scheduled" | "running" | "paused" | "done";
  runs: number;
  skips: number;
  next_run_at: string | null;
  last_run_at: string | null;
  last_job: string | null;
  last_outcome: string | null;
  last_error: string | null;
};
