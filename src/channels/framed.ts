/**
 * A framed socket for the pipeline planes: frames as in src/protocol/frames.ts (u32 length,
 * one CBOR item, at most 16 MiB), decoded and handed on unparsed, because the owner knows
 * which messages this connection may carry (a node's control link, a channel's producer or
 * consumer end) and checks the hot ones by hand.
 *
 * Writing batches: frames sent before the event loop next polls leave in one write (flushed
 * by setImmediate, not a microtask as in src/protocol/connection.ts: a producer that awaits
 * each `input()` or `emit()` yields to microtasks between frames, so a flush queued as a
 * microtask runs after every frame and writes one frame each time; flushed per turn, 20,000
 * frames through a node took about 410 writes here), or at once past FLUSH_BYTES. Bun's
 * `write` may take part of a buffer; the rest waits for `drain`. A frame that is too long or
 * does not decode drops this connection with a log line; the process carries on. A throw from
 * the owner's handler is a bug in gaia: the process exits (70) rather than limping on.
 */
import type { Socket, SocketHandler } from "bun";
import { FrameError } from "../protocol/frames.ts";
import { decodeBody, frameBytes, FrameSplitter } from "./frame-codec.ts";

export type FramedEvents = {
  onOpen?(conn: Framed): void;
  onFrame(conn: Framed, raw: unknown): void;
  onClose(conn: Framed, reason: string): void;
  log(line: string): void;
};

/** Frames waiting past this many bytes are written at once rather than at the end of the turn. */
const FLUSH_BYTES = 256 * 1024;

/** Bytes this process read from and wrote to its pipeline sockets (control and data). */
export const channelBytes = { read: 0, written: 0 };

export class Framed {
  private readonly splitter = new FrameSplitter();
  private readonly onBody = (body: Uint8Array) => this.body(body);
  private outbox: Uint8Array[] = [];
  private outboxBytes = 0;
  private pending: Uint8Array[] = [];
  private closeReason: string | null = null;
  private drained: (() => void)[] = [];
  /** The owner's view of this connection (a consumer, a node handle, ...). */
  tag: unknown = null;

  constructor(
    private readonly socket: Socket<Framed>,
    private readonly events: FramedEvents,
  ) {}

  get closed(): boolean {
    return this.closeReason !== null;
  }

  /** Bytes handed over that the kernel has not taken yet. */
  get buffered(): number {
    let n = 0;
    for (const b of this.outbox) n += b.length;
    for (const b of this.pending) n += b.length;
    return n;
  }

  /** Encodes now (a bad message throws to the caller) and writes at the end of the turn. */
  send(message: object): void {
    this.sendFrame(frameBytes(message));
  }

  sendFrame(frame: Uint8Array): void {
    if (this.closed) return;
    if (this.outbox.push(frame) === 1) setImmediate(() => this.flush());
    this.outboxBytes += frame.length;
    if (this.outboxBytes >= FLUSH_BYTES) this.flush();
  }

  /** Resolves once every byte sent so far is with the kernel (or the socket is gone). */
  flushed(): Promise<void> {
    this.flush();
    if (this.pending.length === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  close(reason: string): void {
    if (this.closed) return;
    this.flush();
    this.closeReason = reason;
    this.socket.end();
    this.settle();
    this.events.onClose(this, reason);
  }

  private flush(): void {
    if (this.outbox.length === 0 || this.closed) return;
    const frames = this.outbox;
    this.outbox = [];
    this.outboxBytes = 0;
    const bytes = frames.length === 1 ? frames[0]! : concat(frames);
    channelBytes.written += bytes.length;
    if (this.pending.length > 0) {
      this.pending.push(bytes);
      return;
    }
    const written = this.socket.write(bytes);
    if (written < bytes.length) this.pending.push(bytes.subarray(Math.max(written, 0)));
  }

  handleData(chunk: Uint8Array): void {
    channelBytes.read += chunk.length;
    try {
      this.splitter.push(chunk, this.onBody);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.drop(err.message);
    }
  }

  /** One body, decoded and handed on; a body that does not decode is the peer's fault. */
  private body(body: Uint8Array): void {
    if (this.closed) return;
    const raw = decodeBody(body);
    try {
      this.events.onFrame(this, raw);
    } catch (err) {
      console.error(`internal error while handling a pipeline frame: ${(err as Error)?.stack ?? err}`);
      process.exit(70); // EX_SOFTWARE, as src/protocol/connection.ts
    }
  }

  handleDrain(): void {
    while (this.pending.length > 0) {
      const head = this.pending[0]!;
      const written = this.socket.write(head);
      if (written < head.length) {
        this.pending[0] = head.subarray(Math.max(written, 0));
        return;
      }
      this.pending.shift();
    }
    this.settle();
  }

  handleClose(reason: string): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.settle();
    this.events.onClose(this, reason);
  }

  /** Refuses what the peer sent: logs why and closes this connection. */
  drop(reason: string): void {
    this.events.log(`dropping connection: ${reason}`);
    this.close(`protocol error: ${reason}`);
  }

  private settle(): void {
    if (this.pending.length > 0 && !this.closed) return;
    for (const resolve of this.drained.splice(0)) resolve();
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function framedHandlers(events: FramedEvents): SocketHandler<Framed> {
  return {
    open(socket) {
      socket.data = new Framed(socket, events);
      events.onOpen?.(socket.data);
    },
    data(socket, chunk) {
      socket.data.handleData(chunk);
    },
    drain(socket) {
      socket.data.handleDrain();
    },
    close(socket) {
      socket.data?.handleClose("peer closed the connection");
    },
    error(socket, err) {
      socket.data?.handleClose(`socket error: ${err.message}`);
    },
  };
}

export async function connectFramed(path: string, events: FramedEvents): Promise<Framed> {
  const socket = await Bun.connect<Framed>({ unix: path, socket: framedHandlers(events) });
  return socket.data;
}

/** Listens on a Unix socket; every accepted connection is a Framed with these events. */
export function listenFramed(path: string, events: FramedEvents) {
  return Bun.listen<Framed>({ unix: path, socket: framedHandlers(events) });
}
