/**
 * Every message of the pipeline planes (SPEC §12), as zod schemas tagged by `t`, in the style
 * of messages.ts; the lead folds them into the one union. Mirrored in Python by
 * `python/gaia_worker/node_channels.py` (constants and field names) and checked by the shared
 * vectors in `test/vectors/pipelines/`.
 *
 * Control plane, on `<run_dir>/nodes.sock` (the session runtime in the IO engine listens):
 *   node → runtime   node.hello, node.ready, node.error, node.stats, node.channel_lost, node.closed
 *   runtime → node   node.init, node.start, node.close, fatal (a refused hello)
 * Data plane, one connection per channel, producer → consumer (the consumer listens: a node's
 * own socket, or nodes.sock when the consumer is the runtime itself, for session outputs):
 *   producer → consumer   chan.open, chan.frame, chan.end
 *   consumer → producer   chan.credit, fatal (a refused open)
 *
 * A consumer grants `capacity` credits when it accepts a channel and one more each time it
 * has finished with a frame; a producer spends one per frame and waits with none. Frames
 * carry values; arrays travel as tagged descriptors (src/channels/values.ts).
 *
 * `chan.frame` and `chan.credit` are the hot path (one per frame): channel code checks them by
 * hand with `isFrame`/`isCredit`, which accept exactly what their schemas accept (tested);
 * every other message goes through `parsePipelineMessage`.
 */
import { z } from "zod";
import { ErrorInfo, Fatal } from "./messages.ts";

export const NodeRuntime = z.enum(["bun", "python"]);

const NodeHello = z.object({
  t: z.literal("node.hello"),
  v: z.number().int(),
  /** The run's secret, from GAIA_SECRET: only gaia's own children know it. */
  secret: z.string(),
  session: z.string(),
  node: z.string(),
  pid: z.number().int(),
  runtime: NodeRuntime,
});

/** An output channel as its producer sees it: where to connect, what to open. */
export const ChannelTarget = z.object({ channel: z.string(), path: z.string() });

const NodeInit = z.object({
  t: z.literal("node.init"),
  config: z.unknown(),
  capacity: z.number().int().min(1),
  /** The data socket this node listens on for its input channels; null without inputs. */
  listen: z.string().nullable(),
  inputs: z.array(z.object({ port: z.string(), channel: z.string() })),
  outputs: z.array(z.object({ port: z.string(), channels: z.array(ChannelTarget) })),
  arrays: z.object({
    dir: z.string(),
    /** Every shared-memory file this node makes starts with this. */
    prefix: z.string(),
    /** A frame may only name files that start with this (the session's prefix). */
    accept: z.string(),
  }),
});

const NodeReady = z.object({ t: z.literal("node.ready") });
const NodeError = z.object({ t: z.literal("node.error"), phase: z.enum(["init", "process", "close"]), error: ErrorInfo });
const NodeStart = z.object({ t: z.literal("node.start") });
const NodeClose = z.object({ t: z.literal("node.close") });

export const OutputStats = z.object({
  frames: z.number(),
  /** Milliseconds emits on this port waited for credit, in all. */
  wait_ms: z.number(),
  /** Frames in flight (sent, not yet released by the consumer), by channel. */
  channels: z.record(z.string(), z.number()),
});
export const NodeStats = z.object({
  frames_in: z.number(),
  frames_out: z.number(),
  bytes_read: z.number(),
  bytes_written: z.number(),
  inputs: z.record(z.string(), z.object({ frames: z.number(), queued: z.number() })),
  outputs: z.record(z.string(), OutputStats),
});
export type NodeStats = z.infer<typeof NodeStats>;
export type OutputStats = z.infer<typeof OutputStats>;

const NodeStatsMessage = z.object({ t: z.literal("node.stats"), stats: NodeStats });
const NodeChannelLost = z.object({ t: z.literal("node.channel_lost"), channel: z.string(), reason: z.string() });
const NodeClosed = z.object({ t: z.literal("node.closed"), stats: NodeStats });

const ChanOpen = z.object({
  t: z.literal("chan.open"),
  v: z.number().int(),
  secret: z.string(),
  session: z.string(),
  channel: z.string(),
});
const ChanCredit = z.object({ t: z.literal("chan.credit"), n: z.number().int().min(1) });
const ChanFrame = z.object({ t: z.literal("chan.frame"), value: z.unknown() });
const ChanEnd = z.object({ t: z.literal("chan.end") });

export const PipelineMessage = z.union([
  NodeHello, NodeInit, NodeReady, NodeError, NodeStart, NodeClose, NodeStatsMessage,
  NodeChannelLost, NodeClosed, ChanOpen, ChanCredit, ChanFrame, ChanEnd, Fatal,
]);

export type PipelineMessage = z.infer<typeof PipelineMessage>;
export type NodeHello = z.infer<typeof NodeHello>;
export type NodeInit = z.infer<typeof NodeInit>;
export type NodeError = z.infer<typeof NodeError>;
export type ChanOpen = z.infer<typeof ChanOpen>;
export type ChanFrame = z.infer<typeof ChanFrame>;
export type ChanCredit = z.infer<typeof ChanCredit>;

const byTag: Record<string, z.ZodType<PipelineMessage>> = {
  "node.hello": NodeHello,
  "node.init": NodeInit,
  "node.ready": NodeReady,
  "node.error": NodeError,
  "node.start": NodeStart,
  "node.close": NodeClose,
  "node.stats": NodeStatsMessage,
  "node.channel_lost": NodeChannelLost,
  "node.closed": NodeClosed,
  "chan.open": ChanOpen,
  "chan.credit": ChanCredit,
  "chan.frame": ChanFrame,
  "chan.end": ChanEnd,
  fatal: Fatal,
};

export const PIPELINE_TAGS = Object.keys(byTag);

export type Parsed = { ok: true; message: PipelineMessage } | { ok: false; reason: string };

/** Validates a decoded frame; the message, or the reason it was refused (one line). */
export function parsePipelineMessage(raw: unknown): Parsed {
  const tag = raw !== null && typeof raw === "object" ? (raw as { t?: unknown }).t : undefined;
  const schema = typeof tag === "string" ? byTag[tag] : undefined;
  if (!schema) return { ok: false, reason: `unknown message tag ${JSON.stringify(tag ?? null)}` };
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data };
  const first = parsed.error.issues[0]!;
  return { ok: false, reason: `bad '${tag}' message: ${first.path.join(".") || "(root)"}: ${first.message}` };
}

/** `chan.frame`, checked by hand (the hot path): a map whose `t` is "chan.frame". */
export function isFrame(raw: unknown): raw is ChanFrame {
  return raw !== null && typeof raw === "object" && (raw as { t?: unknown }).t === "chan.frame";
}

/** `chan.credit`, checked by hand: an integer n >= 1. */
export function isCredit(raw: unknown): raw is ChanCredit {
  if (raw === null || typeof raw !== "object" || (raw as { t?: unknown }).t !== "chan.credit") return false;
  const n = (raw as { n?: unknown }).n;
  return typeof n === "number" && Number.isInteger(n) && n >= 1;
}
