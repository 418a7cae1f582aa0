/**
 * The control API's bodies as the TypeScript client sees them (SPEC §5–§12): the outputs of
 * the zod schemas in src/api/shapes/, which the routes validate with and /openapi.json is
 * generated from, so the client, the server and the document say the same thing.
 *
 * Only types cross over (`import type`, erased when compiled): the client loads no zod and
 * runs in Node and browsers as it is. The state constants below are its only runtime code.
 */
import type { z } from "zod";
import type * as arrays from "../api/shapes/arrays.ts";
import type * as jobs from "../api/shapes/jobs.ts";
import type * as nodes from "../api/shapes/nodes.ts";
import type * as schedules from "../api/shapes/schedules.ts";
import type * as system from "../api/shapes/system.ts";

export const JOB_STATES = ["queued", "running", "succeeded", "failed", "timed_out", "cancelled"] as const;
export const TERMINAL_STATES = ["succeeded", "failed", "timed_out", "cancelled"] as const;
export type JobState = (typeof JOB_STATES)[number];
export type TerminalState = (typeof TERMINAL_STATES)[number];

/** numpy's dtype names (SPEC §6), little-endian, C order. */
export type Dtype = z.output<typeof arrays.Dtype>;

/** `POST /v1/jobs` (SPEC §7): every field but `task` is optional; unknown fields are a 400. */
export type SubmitRequest = z.input<typeof jobs.SubmitBody>;
export type Retries = NonNullable<SubmitRequest["retries"]>;
export type RetryOn = NonNullable<Retries["on"]>[number];

/** A job (SPEC §5). Times are ISO 8601; fields the server has not filled are null. */
export type Job = jobs.Job;
export type JobError = NonNullable<Job["error"]>;
export type Usage = NonNullable<Job["usage"]>;

/** The 202 answer to a submission: enough to find the job again. */
export type Accepted = jobs.Accepted;
/** What `POST /v1/jobs?wait=S` answers: the finished job, or `Accepted` if it is not done. */
export type Submitted = Accepted | Job;
export type BatchAccepted = z.output<typeof jobs.BatchAccepted>;
export type JobList = jobs.JobList;
export type WaitAnswer = jobs.WaitAnswer;
export type DryRun = jobs.DryRun;

/** `GET /v1/jobs`'s query; `limit` is a number here (the server reads the query's text). */
export type JobsQuery = Omit<z.input<typeof jobs.ListQuery>, "limit"> & { limit?: number };

/** `GET /v1/jobs/ID/logs`: the lines printed while the job ran, per attempt. */
export type JobLogs = jobs.JobLogs;
export type JobAttemptLogs = JobLogs["attempts"][number];
export type JobLogLine = JobAttemptLogs["lines"][number];

export type Status = z.output<typeof system.Status>;
/** The status as the IO engine answers it (`io.state` is "ok"); the other is the supervisor's while the engine restarts. */
export type EngineStatus = z.output<typeof system.EngineStatus>;
export type PoolStatus = EngineStatus["pools"][number];

export type Worker = system.Worker;
export type ExitInfo = NonNullable<Worker["last_exit"]>;
export type WorkerRestart = z.output<typeof system.WorkerRestart>;
export type PoolRestart = z.output<typeof system.PoolRestart>;

/** A line the supervisor kept for a process. */
export type LogPage = z.output<typeof system.LogPage>;
export type LogLine = LogPage["lines"][number];
export type ProcessLogs = z.output<typeof system.ProcessLogs>;

export type Gpus = system.Gpus;
export type Gpu = Gpus["gpus"][number];
export type GpuProcess = NonNullable<Gpu["processes"]>[number];

/** `GET /v1/nodes` (SPEC §13): each node of the cluster; a 404 `not_clustered` on a gaia of one host. */
export type Nodes = nodes.Nodes;
export type ClusterNode = Nodes["nodes"][number];

/** A `[[schedules]]` entry as `PUT /v1/schedules/NAME` takes it (SPEC §10). */
export type ScheduleDefinition = z.input<typeof schedules.ScheduleBody>;
export type Schedule = schedules.ScheduleView;
export type ScheduleRun = z.output<typeof schedules.ScheduleRun>;

/** An array gaia holds (SPEC §6). */
export type ArrayInfo = z.output<typeof arrays.ArrayInfo>;
/** A local allocation: the file to write in place before submitting. */
export type AllocatedArray = z.output<typeof arrays.AllocatedArray>;
export type ArrayList = arrays.ArrayList;
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

export type Health = z.output<typeof system.Health>;
export type Ready = z.output<typeof system.Ready>;
export type ShutdownAnswer = z.output<typeof system.Stopping>;
