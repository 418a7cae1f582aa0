/**
 * Every message that crosses a gaia socket, as one union tagged by `t` (SPEC §9): the worker
 * messages (worker-messages.ts) and the supervisor's (link-messages.ts). A hello says which
 * kind of peer is speaking (`role`) and carries the run's secret.
 *
 * The Python package mirrors the worker messages in python/gaia_worker/protocol.py; the
 * vectors in test/vectors/ keep both byte-compatible.
 */
import { z } from "zod";
import { EventMessage, Req, Res, SupervisorHello } from "./link-messages.ts";
import { Ack, Cancel, Drain, Fatal, JobMessage, Log, Ping, Pong, Progress, Promote, Result, Welcome, WorkerHello } from "./worker-messages.ts";

export * from "./worker-messages.ts";
export * from "./link-messages.ts";

/** Bumped when a message changes incompatibly; a hello of another version is refused. */
export const PROTOCOL_VERSION = 2;

export const Hello = z.discriminatedUnion("role", [WorkerHello, SupervisorHello]);
export type Hello = z.infer<typeof Hello>;

const byTag = {
  hello: Hello,
  welcome: Welcome,
  job: JobMessage,
  result: Result,
  ack: Ack,
  progress: Progress,
  log: Log,
  ping: Ping,
  pong: Pong,
  cancel: Cancel,
  drain: Drain,
  promote: Promote,
  fatal: Fatal,
  req: Req,
  res: Res,
  event: EventMessage,
} as const;

export const MESSAGE_TAGS = Object.keys(byTag) as (keyof typeof byTag)[];

export type Message = { [T in keyof typeof byTag]: z.infer<(typeof byTag)[T]> }[keyof typeof byTag];

/** Validates a decoded frame; returns the message or a reason it was refused. */
export function parseMessage(raw: unknown): { ok: true; message: Message } | { ok: false; reason: string } {
  const tag = raw !== null && typeof raw === "object" ? (raw as { t?: unknown }).t : undefined;
  const schema = typeof tag === "string" && Object.hasOwn(byTag, tag) ? (byTag[tag as keyof typeof byTag] as z.ZodType<Message>) : undefined;
  if (!schema) return { ok: false, reason: `unknown message tag ${JSON.stringify(tag ?? null)}` };
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data };
  const first = parsed.error.issues[0]!;
  return { ok: false, reason: `bad '${tag}' message: ${first.path.join(".") || "(root)"}: ${first.message}` };
}
