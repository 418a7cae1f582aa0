/**
 * A session's own ends of its channels: the runtime is the producer of every session input
 * (`node.port` no connection feeds) and the consumer of every session output.
 *
 * Inputs: `input(value)` encodes at the call (large arrays copied into shared memory then)
 * and resolves once the frame is sent, waiting while the channel is full. Frames waiting for
 * credit are bounded too: a caller that does not await and has `capacity` frames waiting
 * already is refused (`input_full`), so no caller can grow the IO engine's memory.
 * Outputs: frames are held (at most `capacity`: the channel's credits) until a reader is
 * there, then handed to every reader in order; the credit goes back when every reader's
 * callback has finished (its promise settled), so a slow reader back-pressures the node. While
 * the session terminates, frames no reader takes are released at once: nobody can read them
 * after the session ends, and holding them would keep the nodes from finishing.
 */
import { ChannelConsumer, checkOpen, refuseOpen } from "../../channels/consumer.ts";
import type { Framed } from "../../channels/framed.ts";
import type { SlotMaps } from "../../channels/slots.ts";
import { ChannelLost, ChannelProducer, OutputPort } from "../../channels/producer.ts";
import type { SlotPool } from "../../channels/slots.ts";

export type OutputCallback = (value: unknown) => unknown;

/** One settled promise for every input sent at once (no promise per frame). */
const SENT: Promise<void> = Promise.resolve();

/** A refusal of `input` or `onOutput`; `code` maps to an HTTP status for the lead. */
export class SessionError extends Error {
  override name = "SessionError";
  constructor(
    readonly code: "unknown_port" | "session_closed" | "input_full",
    message: string,
  ) {
    super(message);
  }
}

export class SessionInput {
  readonly producer: ChannelProducer;
  readonly port: OutputPort;

  constructor(
    readonly name: string,
    channel: string,
    private readonly pool: SlotPool,
    private readonly capacity: number,
    onLost: (producer: ChannelProducer, reason: string) => void,
  ) {
    this.producer = new ChannelProducer(channel, (slot) => pool.release(slot), onLost);
    this.port = new OutputPort(name, [this.producer], pool);
  }

  /** The session ended: frames still waiting are refused, the slots' mappings let go. */
  dispose(reason: string): void {
    this.producer.abandon(reason);
    this.pool.forget();
  }

  input(value: unknown): Promise<void> {
    if (this.producer.queued >= this.capacity) {
      return Promise.reject(new SessionError("input_full", `session input ${this.name} has ${this.producer.queued} frames waiting for the node; await input() before sending more`));
    }
    const wait = this.port.emit(value);
    if (!wait) return SENT;
    return wait.catch((err) => {
      throw err instanceof ChannelLost ? new SessionError("session_closed", err.message) : err;
    });
  }
}

export class SessionOutput {
  consumer: ChannelConsumer | null = null;
  /** "hold" keeps frames for a reader; "release" (terminating) lets unread frames go. */
  mode: "hold" | "release" = "hold";
  frames = 0;
  released = 0;
  readonly ended: Promise<void>;
  private resolveEnded!: () => void;
  private readonly queue: { consumer: ChannelConsumer; value: unknown }[] = [];
  private readonly readers = new Set<OutputCallback>();
  private delivering = false;

  constructor(
    readonly name: string,
    readonly channel: string,
    private readonly log: (line: string) => void,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  get queued(): number {
    return this.queue.length;
  }

  get subscribers(): number {
    return this.readers.size;
  }

  /** A frame from the node; `consumer.release()` gives its credit back once read. */
  deliver(consumer: ChannelConsumer, value: unknown): void {
    this.frames++;
    this.queue.push({ consumer, value });
    this.pump();
  }

  end(): void {
    this.resolveEnded();
  }

  subscribe(cb: OutputCallback): () => void {
    const reader = (value: unknown) => cb(value); // one entry per call, even for the same function
    this.readers.add(reader);
    queueMicrotask(() => this.pump());
    return () => {
      this.readers.delete(reader);
    };
  }

  release(): void {
    this.mode = "release";
    this.pump();
  }

  /** The session ended: the connection goes, held frames and mappings with it. */
  dispose(): void {
    this.consumer?.conn.close("session ended");
    this.consumer?.spec.maps.forget();
    this.queue.length = 0;
    this.readers.clear();
  }

  private pump(): void {
    while (!this.delivering && this.queue.length > 0) {
      if (this.readers.size === 0) {
        if (this.mode === "hold") return;
        this.queue.shift()!.consumer.release();
        this.released++;
        continue;
      }
      const { consumer, value } = this.queue.shift()!;
      const waits: Promise<unknown>[] = [];
      for (const reader of [...this.readers]) {
        try {
          const result = reader(value);
          if (result instanceof Promise) waits.push(result.catch((err) => this.readerFailed(err)));
        } catch (err) {
          this.readerFailed(err);
        }
      }
      if (waits.length === 0) {
        consumer.release();
        continue;
      }
      this.delivering = true;
      void Promise.all(waits).then(() => {
        this.delivering = false;
        consumer.release();
        this.pump();
      });
    }
  }

  /** A reader's bug must not stall the session: it is logged and the frame counts as read. */
  private readerFailed(err: unknown): void {
    this.log(`a reader of session output ${this.name} threw: ${(err as Error)?.message ?? err}`);
  }
}

export type OpenOutput = {
  secret: string;
  session: string;
  capacity: number;
  maps(): SlotMaps;
  log(line: string): void;
  lost(out: SessionOutput, reason: string): void;
};

/** A node's producer opening one of the session's outputs on nodes.sock: accepted, or refused. */
export function openOutput(outputs: Iterable<SessionOutput>, conn: Framed, raw: unknown, o: OpenOutput): void {
  const byChannel = new Map([...outputs].map((out) => [out.channel, out]));
  const open = checkOpen(raw, {
    secret: o.secret,
    session: o.session,
    find: (channel) => {
      const out = byChannel.get(channel);
      if (!out) return null;
      return out.consumer ? "open" : { channel, port: out.name, capacity: o.capacity, maps: o.maps() };
    },
  });
  if (!open.ok) return refuseOpen(conn, open.reason, o.log);
  const out = byChannel.get(open.spec.channel)!;
  out.consumer = new ChannelConsumer(conn, open.spec, {
    deliver: (c, value) => out.deliver(c, value),
    ended: () => out.end(),
    lost: (_c, reason) => {
      out.end();
      o.lost(out, reason);
    },
  });
}
