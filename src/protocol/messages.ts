/**
 * Every message that crosses a gaia socket, as one union tagged by `t` (SPEC §9).
 *
 * Worker ↔ IO engine (io.sock):
 *   worker → io   hello, result, progress, fatal, pong
 *   io → worker   welcome, job, cancel, drain, ping
 * Supervisor ↔ IO engine (io.sock, the supervisor says hello with role "supervisor"):
 *   supervisor → io   req (an API call to serve; `drain` is one), event (a worker exited)
 *   io → supervisor   res (the answer to a req), event (a worker announced itself, ...)
 *
 * The Python package will mirror this file in `python/gaia_worker/`; the vectors in
 * `test/vectors/` keep both byte-compatible. Schemas are non-strict on purpose: a newer peer
 * may add fields, and an older reader must ignore them rather than drop the connection.
 */
import { z } from "zod";

export const PROTOCOL_VERSION = 1;

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
});
export type Usage = z.infer<typeof Usage>;

const WorkerHello = z.object({
  t: z.literal("hello"),
  v: z.number().int(),
  role: z.literal("worker"),
  pool: z.string(),
  worker_id: z.string(),
  pid: z.number().int(),
  runtime: z.enum(["bun", "python"]),
  tasks: z.array(z.string()),
  /** The job this worker is still running after its IO engine restarted, else null. */
  running: z.string().nullable().default(null),
});

const SupervisorHello = z.object({
  t: z.literal("hello"),
  v: z.number().int(),
  role: z.literal("supervisor"),
  pid: z.number().int(),
});

export const Hello = z.discriminatedUnion("role", [WorkerHello, SupervisorHello]);

/** Where a worker creates its jobs' output arrays: `<dir>/gaia-<instance>-<job>a<attempt>o<n>`. */
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
  session_id: z.string().nullable().default(null),
  session_reset: z.boolean().default(false),
  /** Present only for a job that names input arrays. */
  arrays: z.record(z.string(), InputArray).optional(),
});

export const Result = z.object({
  t: z.literal("result"),
  id: z.string(),
  ok: z.boolean(),
  value: z.unknown().optional(),
  error: ErrorInfo.optional(),
  execution_ms: z.number(),
  usage: Usage,
  /** Output arrays the job made (ctx.output), present only when it made some. */
  arrays: z.record(z.string(), OutputArray).optional(),
});

export const Progress = z.object({
  t: z.literal("progress"),
  id: z.string(),
  fraction: z.number(),
  message: z.string().nullable().default(null),
});

export const Ping = z.object({ t: z.literal("ping"), n: z.number() });
export const Pong = z.object({ t: z.literal("pong"), n: z.number() });
export const Cancel = z.object({ t: z.literal("cancel"), id: z.string() });
export const Drain = z.object({ t: z.literal("drain") });
export const Fatal = z.object({
  t: z.literal("fatal"),
  message: z.string(),
  traceback: z.string().optional(),
  /** Sent before any hello, so the worker names itself here. */
  worker_id: z.string().optional(),
  pool: z.string().optional(),
});

export const Req = z.object({ t: z.literal("req"), id: z.number().int(), op: z.string(), args: z.unknown() });
/**
 * The answer to a `req`: an HTTP status and the body already rendered as JSON text, so the
 * supervisor forwards it without decoding and re-encoding every job it carries.
 */
export const Res = z.object({
  t: z.literal("res"),
  id: z.number().int(),
  status: z.number().int(),
  body: z.string(),
  retry_after_s: z.number().optional(),
});
export const Event = z.object({ t: z.literal("event"), kind: z.string(), data: z.record(z.string(), z.unknown()) });

export const Message = z.union([
  Hello,
  Welcome,
  JobMessage,
  Result,
  Progress,
  Ping,
  Pong,
  Cancel,
  Drain,
  Fatal,
  Req,
  Res,
  Event,
]);

export type Hello = z.infer<typeof Hello>;
export type WorkerHello = z.infer<typeof WorkerHello>;
export type Welcome = z.infer<typeof Welcome>;
export type JobMessage = z.infer<typeof JobMessage>;
export type Result = z.infer<typeof Result>;
export type Progress = z.infer<typeof Progress>;
export type Fatal = z.infer<typeof Fatal>;
export type Req = z.infer<typeof Req>;
export type Res = z.infer<typeof Res>;
export type Event = z.infer<typeof Event>;
export type Message = z.infer<typeof Message>;

const byTag: Record<string, z.ZodType<Message>> = {
  hello: Hello,
  welcome: Welcome,
  job: JobMessage,
  result: Result,
  progress: Progress,
  ping: Ping,
  pong: Pong,
  cancel: Cancel,
  drain: Drain,
  fatal: Fatal,
  req: Req,
  res: Res,
  event: Event,
};

/** Validates a decoded frame; returns the message or a reason it was refused. */
export function parseMessage(raw: unknown): { ok: true; message: Message } | { ok: false; reason: string } {
  const tag = raw !== null && typeof raw === "object" ? (raw as { t?: unknown }).t : undefined;
  const schema = typeof tag === "string" ? byTag[tag] : undefined;
  if (!schema) return { ok: false, reason: `unknown message tag ${JSON.stringify(tag ?? null)}` };
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data };
  const first = parsed.error.issues[0]!;
  return { ok: false, reason: `bad '${tag}' message: ${first.path.join(".") || "(root)"}: ${first.message}` };
}
