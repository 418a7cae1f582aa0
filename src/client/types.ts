/**
 * The control API's bodies as the TypeScript client sees them (SPEC §5–§11), in one file so
 * that it can be replaced wholesale by types generated from the API's zod schemas.
 *
 * Written by hand for now, from the SPEC and from what the server sends today. Fields the
 * server may add later are not an error for a reader: every answer is typed with what it
 * surely has, and `--json` in the CLI prints bodies untouched. This file has no imports and
 * no runtime code apart from the state constants, so it is safe for Node and browsers.
 */

export const JOB_STATES = ["queued", "running", "succeeded", "failed", "timed_out", "cancelled"] as const;
export const TERMINAL_STATES = ["succeeded", "failed", "timed_out", "cancelled"] as const;
export type JobState = (typeof JOB_STATES)[number];
export type TerminalState = (typeof TERMINAL_STATES)[number];

/** numpy's dtype names (SPEC §6), little-endian, C order. */
export type Dtype =
  | "bool" | "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32"
  | "int64" | "uint64" | "float16" | "float32" | "float64";

export type RetryOn = "timeout" | "worker_lost" | "memory_limit_exceeded" | "gpu_memory_limit_exceeded" | "error";

export type Retries = { max?: number; on?: RetryOn[]; backoff_s?: number; factor?: number; max_backoff_s?: number };

/** `POST /v1/jobs` (SPEC §7): every field but `task` is optional; unknown fields are a 400. */
export type SubmitRequest = {
  task: string;
  payload?: unknown;
  /** Input name → the name of an array gaia holds (`client.arrays.upload`/`allocate`). */
  arrays?: Record<string, string>;
  timeout_s?: number;
  retries?: Retries;
  /** Higher runs first within a pool, then oldest first; default 0. */
  priority?: number;
  /** Do not start before this many seconds from now. */
  delay_s?: number;
  /** Do not start before this time (RFC 3339). */
  not_before?: string;
  session_id?: string;
  idempotency_key?: string;
};

export type JobError = { type: string; message: string; traceback?: string | null };

export type Usage = { user_ms: number; sys_ms: number; max_rss_kb: number; gpu_memory_peak_mb?: number };

/** A job (SPEC §5). Times are ISO 8601; fields the server has not filled are null. */
export type Job = {
  id: string;
  task: string;
  pool: string | null;
  state: JobState;
  payload: unknown;
  arrays: Record<string, string>;
  result: unknown;
  result_arrays: Record<string, string>;
  error: JobError | null;
  attempts: number;
  max_attempts: number;
  priority?: number;
  not_before?: string | null;
  session_id: string | null;
  idempotency_key: string | null;
  schedule: string | null;
  node?: string | null;
  created_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  worker: { id: string; pid: number | null } | null;
  execution_ms: number | null;
  usage: Usage | null;
  progress: { fraction: number; message: string | null } | null;
  timeout_s?: number;
};

/** The 202 answer to a submission: enough to find the job again. */
export type Accepted = { id: string; state: JobState };
/** What `POST /v1/jobs?wait=S` answers: the finished job, or `Accepted` if it is not done. */
export type Submitted = Accepted | Job;

export type BatchAccepted = { ids: string[] };

export type JobList = { jobs: Job[]; next: string | null };

export type JobsQuery = {
  state?: JobState;
  task?: string;
  schedule?: string;
  limit?: number;
  /** The `next` of the previous page. */
  after?: string;
  /** `desc`: newest first (the server's default is changing to it; pass it to be sure). */
  order?: "asc" | "desc";
};

/** One line a job printed (`GET /v1/jobs/ID/logs`). */
export type JobLogLine = { at?: string; level?: string; line: string; seq?: number; attempt?: number };
/** The lines of one attempt of a job. */
export type JobAttemptLogs = { attempt: number; worker?: string | null; lines: JobLogLine[] };
/**
 * `GET /v1/jobs/ID/logs`: the lines printed while the job ran, per attempt. The route is new
 * (SPEC §7); readers accept `lines` with an `attempt` on each as well as `attempts`.
 */
export type JobLogs = { id?: string; attempts?: JobAttemptLogs[]; lines?: JobLogLine[] };

export type DryRun = Record<string, unknown> & { pool?: string };

export type PoolStatus = {
  name: string;
  runtime: string;
  size: number;
  spares?: number;
  ready: number;
  spares_ready?: number;
  state: "ok" | "starting" | "crashlooping";
  last_error: string | null;
  queued: number;
};

export type Status = {
  version: string;
  run_id: string;
  node?: string;
  pid: number;
  uptime_s: number;
  state: "starting" | "running" | "stopping";
  io: { state: string; pid: number | null; [key: string]: unknown };
  pools: PoolStatus[];
  jobs: Record<JobState, number>;
  /** Pipeline sessions the engine holds (SPEC §12), by state. */
  sessions?: { total: number; by_state: Record<string, number> };
  [key: string]: unknown;
};

export type ExitInfo = { code: number | null; signal: string | null; reason: string | null; at: string | null };

export type Worker = {
  id: string;
  pool: string;
  runtime: string;
  pid: number | null;
  state: string;
  spare?: boolean;
  job: string | null;
  jobs_done: number | null;
  restarts: number;
  rss_kb: number | null;
  gpus?: unknown[];
  started_at: string | null;
  last_exit: ExitInfo | null;
};

export type WorkerRestart = { id: string; restarting: true };
export type PoolRestart = { pool: string; workers: string[]; restarting: true };

/** A line the supervisor kept for a process. */
export type LogLine = { seq: number; at: string; process: string; line: string };
export type LogPage = { lines: LogLine[]; more?: boolean };
export type ProcessLogs = { process: string; lines: LogLine[] };

export type GpuProcess = { pid: number; used_bytes: number | null; worker: string | null; pool: string | null };
export type Gpu = {
  index: number;
  uuid: string;
  name: string;
  memory_used_bytes: number | null;
  memory_total_bytes: number | null;
  memory_free_bytes?: number | null;
  utilization_gpu_pct: number | null;
  utilization_memory_pct?: number | null;
  temperature_c: number | null;
  power_w: number | null;
  fan_pct: number | null;
  processes: GpuProcess[] | null;
};
export type Gpus = { sampled_at?: string; gpus: Gpu[]; reason?: string };

/** A `[[schedules]]` entry as `PUT /v1/schedules/NAME` takes it (SPEC §10). */
export type ScheduleDefinition = {
  task: string;
  payload?: unknown;
  cron?: string;
  timezone?: string;
  every_s?: number;
  loop?: boolean;
  loop_delay_s?: number;
  error_delay_s?: number;
  max_runs?: number;
  overlap?: "skip" | "queue";
  paused?: boolean;
  catch_up?: boolean;
};

export type Schedule = {
  name: string;
  source: "config" | "api";
  task: string;
  payload: unknown;
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
  [key: string]: unknown;
};
export type ScheduleRun = Accepted & { schedule: string };

/** An array gaia holds (SPEC §6). */
export type ArrayInfo = { name: string; dtype: Dtype; shape: number[]; byte_length: number };
/** A local allocation: the file to write in place before submitting. */
export type AllocatedArray = ArrayInfo & { path: string };
export type ArrayList = {
  arrays: (ArrayInfo & { state: string; job: string | null; created_at: string })[];
  bytes: number;
  max_bytes: number;
  [key: string]: unknown;
};
/** A downloaded array: its bytes (raw, little-endian, C order) with dtype and shape. */
export type DownloadedArray = ArrayInfo & { data: Uint8Array };

/** One event of `GET /v1/events` (SPEC §7). `id` grows by one per event. */
export type GaiaEvent = { id: number; kind: string; at: string; data: Record<string, unknown> };

export type EventsQuery = {
  job?: string;
  session?: string;
  /** Start after this event id (as a reconnect would). */
  lastEventId?: number | string;
};

export type Health = { status: string; [key: string]: unknown };
export type Ready = { ready: true };
export type ShutdownAnswer = { stopping: true };
