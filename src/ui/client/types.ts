/**
 * The parts of the API's answers the page reads (SPEC §7; the full shapes are in
 * GET /openapi.json). Written out here rather than imported from src/api so that the browser
 * bundle carries none of the server's code.
 */
import type { Exit } from "./format.ts";

export type Pool = { name: string; runtime: string; size: number; spares: number; ready: number; spares_ready: number; state: string; last_error: unknown; queued: number };

export type Status = {
  version: string;
  run_id: string;
  node: string;
  pid: number;
  uptime_s: number;
  state: string;
  io: { state: string; pid: number | null; restarts: number; last_exit?: Exit };
  pools: Pool[];
  jobs: Record<string, number>;
  arrays?: { count: number; bytes: number; spare_bytes: number; max_bytes: number; dir: string };
  gpus?: { count: number; reason?: string };
};

export type Worker = {
  id: string;
  pool: string;
  runtime: string;
  pid: number | null;
  state: string;
  spare: boolean;
  job: string | null;
  jobs_done: number | null;
  gpus: { index: number; uuid: string; name: string }[];
  restarts: number;
  rss_kb: number | null;
  started_at: string | null;
  last_exit: Exit;
};

export type JobError = { type: string; message: string; traceback?: string | null } | null;

export type Job = {
  id: string;
  task: string;
  pool: string;
  state: string;
  payload: unknown;
  arrays: Record<string, string>;
  result: unknown;
  result_arrays: Record<string, string>;
  error: JobError;
  attempts: number;
  max_attempts: number;
  priority: number;
  not_before: string | null;
  session_id: string | null;
  schedule: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  worker: { id: string; pid: number } | null;
  execution_ms: number | null;
  usage: { user_ms: number; sys_ms: number; max_rss_kb: number; gpu_memory_peak_mb?: number } | null;
  progress: { fraction: number; message: string | null } | null;
  timeout_s?: number;
};

export type JobLogs = { job_id: string; attempts: { attempt: number; lines: { at: string; level: string; line: string }[] }[] };

export type Schedule = {
  name: string;
  source: string;
  task: string;
  cron: string | null;
  timezone: string | null;
  every_s: number | null;
  loop: boolean;
  paused: boolean;
  state: string;
  runs: number;
  skips: number;
  next_run_at: string | null;
  last_run_at: string | null;
  last_job: string | null;
  last_outcome: string | null;
  last_error: string | null;
};

export type ArrayItem = { name: string; dtype: string; shape: number[]; byte_length: number; [more: string]: unknown };
export type Arrays = { arrays: ArrayItem[]; bytes: number; spare_bytes: number; max_bytes: number };

export type Gpu = {
  index: number;
  uuid: string;
  name: string;
  memory_used_bytes: number | null;
  memory_total_bytes: number | null;
  utilization_gpu_pct: number | null;
  temperature_c: number | null;
  power_w: number | null;
  processes: { pid: number; used_bytes: number | null; worker: string | null }[] | null;
};
export type Gpus = { sampled_at: string; gpus: Gpu[]; reason?: string };

/** An event as /v1/events sends it. */
export type GaiaEvent = { id: number; kind: string; at: string; data: Record<string, any> };

/** GET /v1/nodes (SPEC §13); a gaia of one host answers 404 not_clustered. */
export type ClusterNode = {
  name: string;
  self: boolean;
  state: "alive" | "lapsed";
  lease_until: string;
  renewed_at: string;
  version: string | null;
  started_at: string | null;
  pools: { name: string; workers: number; running: number }[];
  workers: number;
  running: number;
};
