/**
 * Supervisor ↔ IO engine messages (SPEC §1, §9). The supervisor connects to io.sock and says
 * hello with the run's secret; from then on both sides send calls (`req`, answered by one
 * `res`) and events (no answer). Every call's operation, its arguments and its result, and
 * every event's kind and data, are named here, so the compiler finds each place that must
 * handle a new one and no receiver casts what it got.
 *
 *   io → supervisor calls    processes, logs.tail, logs.page, worker.restart, pool.restart, shutdown,
 *                            node.spawn (a pipeline node's process)
 *   supervisor → io calls    drain
 *   io → supervisor events   worker.ready, worker.kill, worker.recycle, worker.fatal, node.kill
 *   supervisor → io events   process (a process.* event for the bus), worker.stopping, spare.promoted,
 *                            gpu.sample (each NVML sample, or why there is none), node.exited
 *
 * The supervisor does no job work and has no HTTP application: it answers these calls from
 * its process table and log rings; the IO engine serves the API with them.
 */
import { z } from "zod";
import { GpuSample } from "./gpu-sample.ts";
import { ExitInfoSchema, ExitReasonSchema, StopReasonSchema } from "./reasons.ts";

export const SupervisorHello = z.object({
  t: z.literal("hello"),
  v: z.number().int(),
  role: z.literal("supervisor"),
  pid: z.number().int(),
  secret: z.string(),
});
export type SupervisorHello = z.infer<typeof SupervisorHello>;

// ---- what the supervisor knows -------------------------------------------------------

export const ChildStateKind = z.enum(["starting", "ready", "stopping", "backoff", "stopped"]);
export const ProcessRuntime = z.enum(["io", "bun", "python", "node"]);

/** One supervised process as the supervisor sees it. */
export const ProcessView = z.object({
  name: z.string(),
  pool: z.string().nullable(),
  runtime: ProcessRuntime,
  pid: z.number().int().nullable(),
  state: ChildStateKind,
  restarts: z.number().int(),
  /** Restarts by the reason of the exit that caused them (crash, timeout, memory, ...). */
  restarts_by_reason: z.record(z.string(), z.number().int()),
  started_at: z.string().nullable(),
  last_exit: ExitInfoSchema.nullable(),
  rss_kb: z.number().nullable(),
  /** A spare of its pool (SPEC §1): ready, takes no jobs until it takes a worker's place. */
  spare: z.boolean(),
});
export type ProcessView = z.infer<typeof ProcessView>;

export const PoolHealth = z.enum(["ok", "starting", "crashlooping"]);
export const PoolView = z.object({
  name: z.string(),
  runtime: z.enum(["bun", "python"]),
  size: z.number().int(),
  spares: z.number().int(),
  ready: z.number().int(),
  state: PoolHealth,
  last_error: z.string().nullable(),
});
export type PoolView = z.infer<typeof PoolView>;

/** The supervisor's own phase: starting until every pool is first ready; stopping once shutdown began. */
export const SupervisorView = z.object({ pid: z.number().int(), started_at: z.number(), state: z.enum(["starting", "running", "stopping"]) });
export type SupervisorView = z.infer<typeof SupervisorView>;

export const LogLine = z.object({ seq: z.number().int(), at: z.string(), process: z.string(), line: z.string() });
export type LogLine = z.infer<typeof LogLine>;

// ---- calls ---------------------------------------------------------------------------

/** Each operation: its arguments and the schema of its answer's value. */
export const CALLS = {
  processes: { args: z.object({}), result: z.object({ processes: z.array(ProcessView), pools: z.array(PoolView), supervisor: SupervisorView }) },
  "logs.tail": { args: z.object({ process: z.string(), n: z.number().int().min(1) }), result: z.object({ lines: z.array(LogLine) }) },
  "logs.page": { args: z.object({ after: z.number().int().min(0), n: z.number().int().min(1), oldest: z.boolean() }), result: z.object({ lines: z.array(LogLine), more: z.boolean() }) },
  "worker.restart": { args: z.object({ id: z.string() }), result: z.object({ id: z.string() }) },
  "pool.restart": { args: z.object({ pool: z.string() }), result: z.object({ pool: z.string(), workers: z.array(z.string()) }) },
  shutdown: { args: z.object({ why: z.string() }), result: z.object({}) },
  drain: { args: z.object({ grace_ms: z.number().min(0) }), result: z.object({ requeued: z.array(z.string()) }) },
  /** A pipeline node's process (SPEC §12): never restarted; its exit comes back as `node.exited`. */
  "node.spawn": {
    args: z.object({
      name: z.string(), session: z.string(), node: z.string(), argv: z.array(z.string()).min(1),
      env: z.record(z.string(), z.string()), memory_limit_mb: z.number().int().min(0),
      /** How many devices (the freest), or which (indexes or UUIDs). */
      gpus: z.union([z.number().int().min(0), z.array(z.union([z.number().int().min(0), z.string()]))]),
    }),
    result: z.object({ pid: z.number().int() }),
  },
} as const;

export type Op = keyof typeof CALLS;
export type CallArgs<O extends Op> = z.infer<(typeof CALLS)[O]["args"]>;
export type CallResult<O extends Op> = z.infer<(typeof CALLS)[O]["result"]>;

const call = <O extends Op, A extends z.ZodObject>(op: O, args: A) => args.extend({ op: z.literal(op) });
export const Call = z.discriminatedUnion("op", [
  call("processes", CALLS.processes.args),
  call("logs.tail", CALLS["logs.tail"].args),
  call("logs.page", CALLS["logs.page"].args),
  call("worker.restart", CALLS["worker.restart"].args),
  call("pool.restart", CALLS["pool.restart"].args),
  call("shutdown", CALLS.shutdown.args),
  call("drain", CALLS.drain.args),
  call("node.spawn", CALLS["node.spawn"].args),
]);
export type Call = z.infer<typeof Call>;

export const Req = z.object({ t: z.literal("req"), id: z.number().int(), call: Call });
export type Req = z.infer<typeof Req>;

export const CallError = z.object({ code: z.string(), message: z.string() });
export const Res = z.discriminatedUnion("ok", [
  z.object({ t: z.literal("res"), id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ t: z.literal("res"), id: z.number().int(), ok: z.literal(false), error: CallError }),
]);
export type Res = z.infer<typeof Res>;

// ---- events --------------------------------------------------------------------------

/** Who a process.* event is about; a pipeline node's also names its session and node. */
const who = { process: z.string(), pool: z.string().nullable(), runtime: ProcessRuntime, session: z.string().optional(), node: z.string().optional() };

/** The process.* events of the bus (SPEC §7), as the supervisor tells them. */
export const ProcessEvent = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("process.started"), data: z.object({ ...who, pid: z.number().int().nullable(), spare: z.boolean() }) }),
  z.object({ kind: z.literal("process.ready"), data: z.object({ ...who, pid: z.number().int().nullable(), spare: z.boolean() }) }),
  z.object({
    kind: z.literal("process.exited"),
    data: z.object({ ...who, pid: z.number().int(), code: z.number().int().nullable(), signal: z.string().nullable(), reason: ExitReasonSchema, detail: z.string().nullable() }),
  }),
  z.object({ kind: z.literal("process.restarted"), data: z.object({ ...who, reason: ExitReasonSchema, delay_ms: z.number(), restarts: z.number().int() }) }),
  z.object({ kind: z.literal("process.promoted"), data: z.object({ ...who, pid: z.number().int(), spare: z.string() }) }),
  z.object({ kind: z.literal("process.crashlooping"), data: z.object({ pool: z.string(), last_error: z.string().nullable() }) }),
]);
export type ProcessEvent = z.infer<typeof ProcessEvent>;

export const LinkEvent = z.discriminatedUnion("kind", [
  // io → supervisor
  z.object({ kind: z.literal("worker.ready"), worker_id: z.string(), pool: z.string(), pid: z.number().int(), spare: z.boolean() }),
  z.object({ kind: z.literal("worker.kill"), worker_id: z.string(), pid: z.number().int(), reason: StopReasonSchema, detail: z.string().nullable() }),
  z.object({ kind: z.literal("worker.recycle"), worker_id: z.string(), pid: z.number().int() }),
  z.object({ kind: z.literal("worker.fatal"), worker_id: z.string().nullable(), pool: z.string().nullable(), message: z.string() }),
  z.object({ kind: z.literal("node.kill"), pid: z.number().int(), signal: z.enum(["SIGTERM", "SIGKILL"]) }),
  // supervisor → io
  z.object({ kind: z.literal("process"), at: z.string(), event: ProcessEvent }),
  z.object({ kind: z.literal("worker.stopping"), worker_id: z.string(), pid: z.number().int() }),
  z.object({ kind: z.literal("spare.promoted"), worker_id: z.string(), pid: z.number().int(), spare: z.string() }),
  z.object({ kind: z.literal("gpu.sample"), sample: GpuSample }),
  z.object({
    kind: z.literal("node.exited"), pid: z.number().int(), name: z.string(), code: z.number().int().nullable(), signal: z.string().nullable(),
    reason: ExitReasonSchema, detail: z.string().nullable(), lines: z.array(z.string()),
  }),
]);
export type LinkEvent = z.infer<typeof LinkEvent>;
export const EventMessage = z.object({ t: z.literal("event"), event: LinkEvent });
export type EventMessage = z.infer<typeof EventMessage>;
