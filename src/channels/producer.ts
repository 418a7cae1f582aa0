/**
 * The producer end of channels (SPEC §12), in a Bun node and in the session runtime (which
 * produces the session's inputs).
 *
 * A `ChannelProducer` is one connection to one consumer. It opens the channel, then spends one
 * credit per frame; with none, frames wait here, in order, and their promises with them: that
 * is the backpressure. A credit that comes back releases the oldest frame in flight, and with
 * it the slots its arrays used. An `OutputPort` is one declared output: it encodes each value
 * once (copying large arrays into its slot pool at the call, so the caller may reuse its
 * buffers at once) and hands the same frame to each of its channels.
 */
import type { OutputStats } from "../protocol/pipeline-messages.ts";
import { isCredit, parsePipelineMessage, type ChanOpen } from "../protocol/pipeline-messages.ts";
import { chanFrameBytes } from "./frame-codec.ts";
import { connectFramed, type Framed } from "./framed.ts";
import type { Slot, SlotPool } from "./slots.ts";
import { encodeValue } from "./values.ts";

/** A frame that can no longer reach its consumer: the session is failing. */
export class ChannelLost extends Error {
  override name = "ChannelLost";
}

type Waiting = { frame: Uint8Array; slots: Slot[]; since: number; resolve: () => void; reject: (err: Error) => void };
type State =
  /** `ending`: end() came before the connection; the channel opens, then ends after its frames. */
  | { kind: "connecting"; ending: (() => void) | null }
  | { kind: "open"; conn: Framed; credits: number }
  | { kind: "ending"; conn: Framed; credits: number; done: () => void }
  | { kind: "ended" }
  | { kind: "lost"; reason: string };

export class ChannelProducer {
  state: State = { kind: "connecting", ending: null };
  private readonly waiting: Waiting[] = [];
  private readonly inflight: Slot[][] = [];
  frames = 0;
  waitMs = 0;

  constructor(
    readonly id: string,
    private readonly release: (slot: Slot) => void,
    private readonly onLost: (producer: ChannelProducer, reason: string) => void,
  ) {}

  /** Connects to the consumer's socket and opens the channel; a failure loses the channel. */
  async connect(path: string, open: ChanOpen, log: (line: string) => void): Promise<void> {
    try {
      const conn = await connectFramed(path, {
        onFrame: (_c, raw) => this.onFrame(raw),
        onClose: (_c, reason) => this.lose(`the consumer's connection closed (${reason})`),
        log,
      });
      if (this.state.kind !== "connecting") return conn.close("channel no longer wanted");
      conn.send(open);
      const ending = this.state.ending;
      this.state = ending ? { kind: "ending", conn, credits: 0, done: ending } : { kind: "open", conn, credits: 0 };
      // A consumer that sees the open and then the end finishes at once instead of waiting
      // for a channel that never comes (a session terminated right after it became ready).
      if (ending) this.finishIfDrained();
    } catch (err) {
      this.lose(`cannot connect to ${path}: ${(err as Error).message}`);
    }
  }

  get inFlight(): number {
    return this.inflight.length;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Sends now (null) or once a credit comes (the promise). */
  push(frame: Uint8Array, slots: Slot[]): Promise<void> | null {
    const s = this.state;
    if (s.kind === "lost" || s.kind === "ended") {
      for (const slot of slots) this.release(slot);
      return Promise.reject(new ChannelLost(`channel ${this.id} is ${s.kind === "lost" ? `lost: ${s.reason}` : "closed"}`));
    }
    if (s.kind === "open" && s.credits > 0 && this.waiting.length === 0) {
      this.transmit(s, frame, slots);
      return null;
    }
    return new Promise((resolve, reject) => this.waiting.push({ frame, slots, since: performance.now(), resolve, reject }));
  }

  /** No more frames: the waiting ones go first, then `chan.end`. */
  end(): Promise<void> {
    const s = this.state;
    if (s.kind === "lost" || s.kind === "ended") return Promise.resolve();
    if (s.kind === "connecting" || s.kind === "ending") {
      return new Promise((resolve) => {
        const prev = s.kind === "connecting" ? s.ending : s.done;
        const done = () => (prev?.(), resolve());
        if (s.kind === "connecting") s.ending = done;
        else s.done = done;
      });
    }
    return new Promise((resolve) => {
      this.state = { kind: "ending", conn: s.conn, credits: s.credits, done: resolve };
      this.finishIfDrained();
    });
  }

  /** Gives up: waiting frames are refused, the connection goes. */
  abandon(reason: string): void {
    this.lose(reason, false);
  }

  private transmit(s: { conn: Framed; credits: number }, frame: Uint8Array, slots: Slot[]): void {
    s.credits--;
    this.frames++;
    this.inflight.push(slots);
    s.conn.sendFrame(frame);
  }

  private onFrame(raw: unknown): void {
    const s = this.state;
    if (s.kind !== "open" && s.kind !== "ending") return;
    if (!isCredit(raw)) {
      const parsed = parsePipelineMessage(raw);
      if (parsed.ok && parsed.message.t === "fatal") return this.lose(`the consumer refused the channel: ${parsed.message.message}`);
      return s.conn.drop(`a producer of ${this.id} expects chan.credit, got ${parsed.ok ? parsed.message.t : parsed.reason}`);
    }
    // Credits beyond the frames in flight are fine only as the first grant (nothing sent yet).
    for (let i = 0; i < raw.n && this.inflight.length > 0; i++) for (const slot of this.inflight.shift()!) this.release(slot);
    s.credits += raw.n;
    while (s.credits > 0 && this.waiting.length > 0) {
      const w = this.waiting.shift()!;
      this.waitMs += performance.now() - w.since;
      this.transmit(s, w.frame, w.slots);
      w.resolve();
    }
    this.finishIfDrained();
  }

  private finishIfDrained(): void {
    const s = this.state;
    if (s.kind !== "ending" || this.waiting.length > 0) return;
    s.conn.send({ t: "chan.end" });
    this.state = { kind: "ended" };
    void s.conn.flushed().then(() => {
      s.conn.close("channel ended");
      s.done();
    });
  }

  private lose(reason: string, report = true): void {
    const s = this.state;
    if (s.kind === "lost" || s.kind === "ended") return;
    this.state = { kind: "lost", reason };
    if (s.kind === "open" || s.kind === "ending") s.conn.close(reason);
    if (s.kind === "connecting") s.ending?.();
    for (const w of this.waiting.splice(0)) {
      for (const slot of w.slots) this.release(slot);
      w.reject(new ChannelLost(`channel ${this.id} lost: ${reason}`));
    }
    for (const slots of this.inflight.splice(0)) for (const slot of slots) this.release(slot);
    if (s.kind === "ending") s.done();
    if (report) this.onLost(this, reason);
  }
}

/** One declared output port: each value encoded once, sent on each of its channels. */
export class OutputPort {
  frames = 0;

  constructor(
    readonly port: string,
    readonly channels: ChannelProducer[],
    private readonly pool: SlotPool,
  ) {}

  /** Null when every channel took the frame now; else a promise for when they all have. */
  emit(value: unknown): Promise<void> | null {
    const slots: Slot[] = [];
    let frame: Uint8Array;
    try {
      const encoded = encodeValue(value, (bytes) => {
        const slot = this.pool.write(bytes);
        slots.push(slot);
        return { file: slot.file, offset: 0, length: bytes.length };
      });
      frame = chanFrameBytes(encoded);
    } catch (err) {
      for (const slot of slots) ((slot.refs = 1), this.pool.release(slot));
      throw err;
    }
    for (const slot of slots) slot.refs = this.channels.length;
    this.frames++;
    let waits: Promise<void>[] | null = null;
    for (const ch of this.channels) {
      const wait = ch.push(frame, slots);
      if (wait) (waits ??= []).push(wait);
    }
    if (!waits) return null;
    return waits.length === 1 ? waits[0]! : Promise.all(waits).then(() => undefined);
  }

  stats(): OutputStats {
    const channels: Record<string, number> = {};
    let wait = 0;
    for (const ch of this.channels) {
      channels[ch.id] = ch.inFlight;
      wait = Math.max(wait, ch.waitMs);
    }
    return { frames: this.frames, wait_ms: Math.round(wait * 1000) / 1000, channels };
  }
}
