/**
 * The consumer end of a channel (SPEC §12), in a Bun node (its input ports) and in the
 * session runtime (the session's outputs).
 *
 * The consumer listens; a producer connects and says `chan.open` with the run's secret, the
 * session and the channel. An open that is not expected here (wrong secret or version, a
 * channel this consumer does not take, one already open) gets `fatal` and a log line, and
 * that connection alone goes. An accepted channel is granted `capacity` credits; each frame
 * the owner has finished with (`release`) gives one back, so at most `capacity` frames are
 * ever buffered here or in the socket: a fast producer cannot grow this process's memory.
 * Credits released in one turn of the event loop leave in one frame. A frame beyond the credits granted, or
 * one that does not decode to a value, breaks the channel's protocol: the connection is
 * dropped with a log line and the owner hears the channel was lost.
 */
import { timingSafeEqual } from "node:crypto";
import { PROTOCOL_VERSION } from "../protocol/messages.ts";
import { isFrame, parsePipelineMessage } from "../protocol/pipeline-messages.ts";
import type { Framed } from "./framed.ts";
import type { SlotMaps } from "./slots.ts";
import { decodeValue } from "./values.ts";

export type InputSpec = { channel: string; port: string; capacity: number; maps: SlotMaps };

export type ConsumerEvents = {
  deliver(consumer: ChannelConsumer, value: unknown): void;
  ended(consumer: ChannelConsumer): void;
  lost(consumer: ChannelConsumer, reason: string): void;
};

type State = { kind: "open" } | { kind: "ended" } | { kind: "lost"; reason: string };

/** Compares secrets in constant time (a length mismatch is simply unequal). */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type OpenCheck = {
  secret: string;
  session: string;
  /** The input this channel feeds; "open" when it is already connected; null when unknown. */
  find(channel: string): InputSpec | "open" | null;
};

/** Whether a connection's first frame opens a channel this consumer takes. */
export function checkOpen(raw: unknown, check: OpenCheck): { ok: true; spec: InputSpec } | { ok: false; reason: string } {
  const parsed = parsePipelineMessage(raw);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const m = parsed.message;
  if (m.t !== "chan.open") return { ok: false, reason: `expected chan.open first, got '${m.t}'` };
  if (m.v !== PROTOCOL_VERSION) return { ok: false, reason: `protocol version ${m.v}; this gaia speaks ${PROTOCOL_VERSION}` };
  if (!sameSecret(m.secret, check.secret)) return { ok: false, reason: `wrong secret for channel ${m.channel}` };
  if (m.session !== check.session) return { ok: false, reason: `channel ${m.channel} of session ${m.session} opened at session ${check.session}` };
  const spec = check.find(m.channel);
  if (spec === "open") return { ok: false, reason: `channel ${m.channel} is already open` };
  if (!spec) return { ok: false, reason: `no channel ${m.channel} in session ${m.session} here` };
  return { ok: true, spec };
}

/** Refuses an open: `fatal`, a log line, and that connection closed. */
export function refuseOpen(conn: Framed, reason: string, log: (line: string) => void): void {
  log(`refusing a channel: ${reason}`);
  conn.send({ t: "fatal", message: reason });
  void conn.flushed().then(() => conn.close(`refused: ${reason}`));
}

export class ChannelConsumer {
  state: State = { kind: "open" };
  /** Frames received and not yet released. */
  outstanding = 0;
  frames = 0;
  private credit = 0;

  constructor(
    readonly conn: Framed,
    readonly spec: InputSpec,
    private readonly events: ConsumerEvents,
  ) {
    conn.tag = this;
    conn.send({ t: "chan.credit", n: spec.capacity });
  }

  get channel(): string {
    return this.spec.channel;
  }

  onFrame(raw: unknown): void {
    if (this.state.kind !== "open") return;
    if (isFrame(raw)) {
      if (this.outstanding >= this.spec.capacity) return this.fail(`channel ${this.channel} sent a frame beyond its ${this.spec.capacity} credits`);
      let value: unknown;
      try {
        value = decodeValue(raw.value, this.spec.maps);
      } catch (err) {
        return this.fail(`channel ${this.channel}: ${(err as Error).message}`);
      }
      this.outstanding++;
      this.frames++;
      this.events.deliver(this, value);
      return;
    }
    const parsed = parsePipelineMessage(raw);
    if (parsed.ok && parsed.message.t === "chan.end") {
      this.state = { kind: "ended" };
      this.events.ended(this);
      return;
    }
    this.fail(`channel ${this.channel} expects chan.frame or chan.end, got ${parsed.ok ? `'${parsed.message.t}'` : parsed.reason}`);
  }

  /** The owner has finished with one frame: its credit goes back (batched per turn). */
  release(): void {
    this.outstanding--;
    if (this.state.kind !== "open") return;
    if (this.credit++ === 0) setImmediate(() => this.flushCredit()); // once per turn, as framed.ts

  }

  onClose(reason: string): void {
    if (this.state.kind !== "open") return;
    this.state = { kind: "lost", reason };
    this.events.lost(this, reason);
  }

  private flushCredit(): void {
    if (this.credit === 0 || this.state.kind !== "open") return;
    this.conn.send({ t: "chan.credit", n: this.credit });
    this.credit = 0;
  }

  private fail(reason: string): void {
    this.conn.drop(reason);
    this.onClose(`protocol error: ${reason}`);
  }
}
