/**
 * The answers about gaia itself (SPEC §1, §7, §11): health, readiness, status, workers and
 * their logs, GPUs, shutdown, and the error shape every refusal has. Where the IO engine
 * builds an answer (src/io/views.ts, gpu-views.ts), it is typed with the schema's output.
 */
import { z } from "zod";
import { GpuDevice, GpuProcess, GpuRef } from "../../protocol/gpu-sample.ts";
import { JobStateSchema } from "../../protocol/job-states.ts";
import { ChildStateKind, LogLine, PoolHealth, PoolView, ProcessRuntime, ProcessView } from "../../protocol/link-messages.ts";
import { ExitInfoSchema } from "../../protocol/reasons.ts";
import { response, Time } from "./registry.ts";

/** Every refusal (SPEC §7): one shape, made by src/http/errors.ts's errorBody. */
export const ErrorBody = response(
  "Error",
  z.object({ error: z.object({ code: z.string().meta({ description: "what went wrong, for programs: unknown_task, not_found, queue_full, ..." }), message: z.string() }) }),
  "a refusal; the code names the reason and the message says what to do",
);

export const Health = response(
  "Health",
  z.union([
    z.object({ status: z.literal("ok"), pid: z.number().int(), run_id: z.string(), io_pid: z.number().int() }),
    // The supervisor's own responder answers while the IO engine restarts (src/supervisor/fallback.ts).
    z.object({ status: z.literal("ok"), pid: z.number().int(), run_id: z.string(), io: z.literal("down") }),
  ]),
  "the supervisor lives (pid is the supervisor's)",
);
/** What the IO engine answers (src/io/views.ts). */
export type EngineHealth = Extract<z.output<typeof Health>, { io_pid: number }>;

export const Ready = response("Ready", z.object({ ready: z.literal(true) }));
export const NotReady = response("NotReady", ErrorBody.extend({ reasons: z.array(z.string()) }), "not ready: the error, and every reason");

const count = z.number().int().min(0);
const PoolStatus = z.object({
  name: z.string(),
  runtime: z.enum(["bun", "python"]),
  size: count,
  spares: count,
  ready: count,
  spares_ready: count,
  state: PoolHealth,
  last_error: z.string().nullable(),
  queued: count,
});

const GpuBrief = GpuDevice.pick({ index: true, name: true, memory_used_bytes: true, memory_total_bytes: true, utilization_gpu_pct: true });
export const SessionCounts = z.object({ total: count, by_state: z.record(z.string(), count) });

export const EngineStatus = z.object({
  version: z.string(),
  run_id: z.string(),
  node: z.string().meta({ description: "this host's name" }),
  pid: z.number().int().meta({ description: "the supervisor's" }),
  uptime_s: z.number().int(),
  state: z.enum(["starting", "running", "stopping"]),
  io: z.object({ state: z.literal("ok"), pid: z.number().int(), uptime_s: z.number().int(), restarts: count, last_error: z.null(), last_exit: ExitInfoSchema.nullable() }),
  pools: z.array(PoolStatus),
  jobs: z.record(JobStateSchema, count),
  arrays: z.object({ count, bytes: count, spare_bytes: count, max_bytes: count, dir: z.string() }),
  io_socket: z.object({ read: count, written: count }).meta({ description: "bytes the IO engine's sockets read and wrote" }),
  gpus: z.object({ count, devices: z.array(GpuBrief), reason: z.string().optional() }),
  sessions: SessionCounts,
});
/** src/io/views.ts builds all of it but the sessions, which the route adds. */
export type EngineStatus = Omit<z.output<typeof EngineStatus>, "sessions">;
export type SessionCounts = z.output<typeof SessionCounts>;

/** While the IO engine restarts the supervisor answers on its own, with what it knows. */
const FallbackStatus = z.looseObject({
  version: z.string().optional(),
  run_id: z.string(),
  pid: z.number().int(),
  uptime_s: z.number().int().optional(),
  state: z.enum(["starting", "running", "stopping"]).optional(),
  io: z.looseObject({ state: z.enum(["starting", "restarting", "crashlooping"]), pid: z.null(), last_error: z.string().nullable().optional(), last_lines: z.array(z.string()).optional() }),
  pools: z.array(PoolView.extend({ queued: z.null() })).optional(),
  processes: z.array(ProcessView).optional(),
  jobs: z.null().optional(),
});

export const Status = response("Status", z.union([EngineStatus, FallbackStatus]), "the run in brief; while the IO engine restarts, the supervisor's own (io.state says which)");

export const Worker = z.object({
  id: z.string(),
  pool: z.string().nullable(),
  runtime: ProcessRuntime,
  pid: z.number().int().nullable(),
  state: z.union([ChildStateKind, z.enum(["spare", "idle", "busy", "finishing", "retiring"])]),
  spare: z.boolean(),
  job: z.string().nullable(),
  jobs_done: z.number().int().nullable(),
  gpus: z.array(GpuRef),
  restarts: count,
  rss_kb: z.number().nullable(),
  started_at: z.string().nullable(),
  last_exit: ExitInfoSchema.nullable(),
});
export const Workers = response("Workers", z.object({ workers: z.array(Worker) }), "every worker process, spares marked");
export type Worker = z.output<typeof Worker>;

export const WorkerRestart = response("WorkerRestart", z.object({ id: z.string(), restarting: z.literal(true) }));
export const PoolRestart = response("PoolRestart", z.object({ pool: z.string(), workers: z.array(z.string()), restarting: z.literal(true) }), "each worker is replaced in turn, its successor ready before the next goes");
export const ProcessLogs = response("ProcessLogs", z.object({ process: z.string(), lines: z.array(LogLine) }));
export const LogPage = response("LogPage", z.object({ lines: z.array(LogLine), more: z.boolean().meta({ description: "with ?after=: another page follows" }) }));

const GpuView = GpuDevice.extend({ processes: z.array(GpuProcess.extend({ worker: z.string().nullable(), pool: z.string().nullable() })).nullable() });
export const Gpus = response(
  "Gpus",
  z.object({ sampled_at: Time, gpus: z.array(GpuView), reason: z.string().optional().meta({ description: "why there are none: present exactly when gpus is empty" }) }),
  "every device of the last NVML sample; a figure NVML did not give is null",
);
export type Gpus = z.output<typeof Gpus>;
export type GpuStatus = z.output<typeof EngineStatus>["gpus"];

export const Stopping = response("Stopping", z.object({ stopping: z.literal(true) }));

/** The document itself: described as an object, not re-described field by field. */
export const OpenApiDocument = response("OpenApiDocument", z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) }), "this document");
