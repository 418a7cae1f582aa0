/**
 * Worker ↔ IO engine messages on io.sock (SPEC §1, §9), mirrored field by field in
 * python/gaia_worker/protocol.py.
 *
 *   worker → io   hello, result, progress, log, fatal, pong
 *   io → worker   welcome, job, ack, cancel, drain, promote, ping, fatal (a refused hello)
 *
 * A worker's life on the link: hello (with the run's secret) → welcome → job … result → ack.
 * A result is kept by the worker until its `ack`, which the engine sends only after the
 * job's end is committed; after a reconnect the hello names what is still unacknowledged and
 * the worker sends those results again, so a result is never lost with an engine and is
 * applied at most once per job and attempt. A spare (hello with `spare: true`) takes no job
 * until `promote` gives it the id of the worker whose place it takes.
 *
 * Schemas are not strict on purpose: a newer peer may add fields, and an older reader must
 * ignore them rather than drop the connection.
 */
import { z } from "zod";
import { GpuRef } from "./gpu-sample.ts";

export const ErrorInfo = z.object({
  type: z.string(),
  message: z.string(),
  traceback: z.string().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export const Usage = z.object({
  user_ms: z.number(),
  sys_ms: z.number(),
  max_rss_kb: z.number(),
  gpu_memory_peak_mb: z.number().optional(),
});
export type Usage = z.infer<typeof Usage>;

/** A job and the attempt a worker runs or ran it as: results are fenced by the attempt. */
export const JobAttempt = z.object({ id: z.string(), attempt: z.number().int() });
export type JobAttempt = z.infer<typeof JobAttempt>;

export const Runtime = z.enum(["bun", "python"]);

export const WorkerHello = z.object({
  t: z.literal("hello"),
  v: z.number().int(),
  role: z.literal("worker"),
  /** The run's secret (GAIA_SECRET, handed by the supervisor to its children only). */
  secret: z.string(),
  pool: z.string(),
  worker_id: z.string(),
  pid: z.number().int(),
  runtime: Runtime,
  tasks: z.array(z.string()),
  /** A spare: ready, takes no job until promoted. */
  spare: z.boolean().default(false),
  /** The devices this worker holds (GAIA_GPUS, SPEC §11); empty without GPUs. */
  gpus: z.array(GpuRef).default([]),
  /** The job this worker is still running (after its IO engine restarted), else null. */
  running: JobAttempt.nullable().default(null),
  /** Results sent, or waiting to be sent, that no engine has acknowledged; they follow the hello. */
  unacked: z.array(JobAttempt).default([]),
});
export type WorkerHello = z.infer<typeof WorkerHello>;

/** Where a worker creates its jobs' output arrays: `<dir>/gaia-<instance>-<job>a<attempt>w<pid>o<n>`. */
export const ArraysPlace = z.object({ dir: z.string(), instance: z.string() });

export const Welcome = z.object({ t: z.literal("welcome"), v: z.number().int(), io_pid: z.number().int(), arrays: ArraysPlace.optional() });

/** An input array as a worker maps it: the file's path, never its bytes. */
export const InputArray = z.object({ name: z.string(), path: z.string(), dtype: z.string(), shape: z.array(z.number().int().min(0)) });
/** An output array a worker made for its job (the file's name under the welcome's dir). */
export const OutputArray = z.object({
  name: z.string(),
  dtype: z.string(),
  shape: z.array(z.number().int().min(0)),
  /** The spare file the worker renamed into this output, if it reused one (src/arrays/spares.ts). */
  spare: z.string().optional(),
});
export type InputArray = z.infer<typeof InputArray>;
export type OutputArray = z.infer<typeof OutputArray>;

export const JobMessage = z.object({
  t: z.literal("job"),
  id: z.string(),
  task: z.string(),
  payload: z.unknown(),
  attempt: z.number().int(),
  /** Milliseconds from the job's start (on the worker) until gaia kills the worker. */
  timeout_ms: z.number(),
  /** Jobs waiting on a worker run highest priority first, then in the order they came (SPEC §5). */
  priority: z.number().int().default(0),
  session_id: z.string().nullable().default(null),
  session_reset: z.boolean().default(false),
  /** Present only for a job that names input arrays. */
  arrays: z.record(z.string(), InputArray).optional(),
});

export const Result = z.object({
  t: z.literal("result"),
  id: z.string(),
  attempt: z.number().int(),
  ok: z.boolean(),
  value: z.unknown().optional(),
  error: ErrorInfo.optional(),
  execution_ms: z.number(),
  usage: Usage,
  /** Output arrays the job made (ctx.output), present only when it made some. */
  arrays: z.record(z.string(), OutputArray).optional(),
});

/** The ends of these jobs are committed: the worker may forget their results. */
export const Ack = z.object({ t: z.literal("ack"), ids: z.array(z.string()) });

export const Progress = z.object({
  t: z.literal("progress"),
  id: z.string(),
  fraction: z.number(),
  message: z.string().nullable().default(null),
});

export const LogLevel = z.enum(["debug", "info", "warn", "error"]);
/** Lines a task printed while it ran (SPEC §4): the job's log, kept with the job. */
export const Log = z.object({
  t: z.literal("log"),
  id: z.string(),
  attempt: z.number().int(),
  lines: z.array(z.object({ level: LogLevel, line: z.string(), at: z.string() })),
});

export const Ping = z.object({ t: z.literal("ping"), n: z.number() });
export const Pong = z.object({ t: z.literal("pong"), n: z.number() });
export const Cancel = z.object({ t: z.literal("cancel"), id: z.string() });
export const Drain = z.object({ t: z.literal("drain") });
/** A spare takes the place of a worker that died: from now on it is `worker_id`. */
export const Promote = z.object({ t: z.literal("promote"), worker_id: z.string() });
export const Fatal = z.object({
  t: z.literal("fatal"),
  message: z.string(),
  traceback: z.string().optional(),
  /** Sent by a worker before any hello, so it names itself here. */
  worker_id: z.string().optional(),
  pool: z.string().optional(),
});

export type Welcome = z.infer<typeof Welcome>;
export type JobMessage = z.infer<typeof JobMessage>;
export type Result = z.infer<typeof Result>;
export type Ack = z.infer<typeof Ack>;
export type Progress = z.infer<typeof Progress>;
export type Log = z.infer<typeof Log>;
export type Fatal = z.infer<typeof Fatal>;
export type Promote = z.infer<typeof Promote>;
