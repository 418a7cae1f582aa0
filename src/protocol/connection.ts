/**
 * A framed, validated message connection over a Bun socket, used by every role.
 *
 * Reading: chunks go through FrameReader, each frame through `parseMessage`. A frame that is
 * too long, does not decode, or fails its schema closes this connection with a logged reason:
 * the peer's stream can no longer be trusted to be in step, but the process serves on.
 * Writing: frames sent in one turn of the event loop leave in one write (a burst of jobs
 * or results costs one syscall and wakes the peer once). Bun's `write` may take only part
 * of a buffer; the rest waits for `drain`.
 */
import type { Socket, SocketHandler } from "bun";
import { encodeFrame, FrameError, FrameReader } from "./frames.ts";
import { parseMessage, type Message } from "./messages.ts";

export type ConnectionEvents = {
  onMessage(conn: Connection, message: Message): void;
  onClose(conn: Connection, reason: string): void;
  /** Where dropped-frame reasons are written; defaults to stderr. */
  log?(line: string): void;
};

export class Connection {
  private readonly reader = new FrameReader();
  private pending: Uint8Array[] = [];
  private outbox: Uint8Array[] = [];
  private closeReason: string | undefined;
  /** Free for the owner to attach its own view of the peer (a worker record, say). */
  tag: unknown;

  constructor(
    private readonly socket: Socket<Connection>,
    private readonly events: ConnectionEvents,
  ) {}

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Bytes handed to `send` that the kernel has not taken yet. */
  get buffered(): number {
    return [...this.outbox, ...this.pending].reduce((n, b) => n + b.length, 0);
  }

  /** Encodes now (so a bad message throws to the caller) and writes at the end of the turn. */
  send(message: Message): void {
    if (this.closed) return;
    this.sendFrame(encodeFrame(message));
  }

  /** A frame already encoded (a result kept to be sent again). */
  sendFrame(frame: Uint8Array): void {
    if (this.closed) return;
    if (this.outbox.push(frame) === 1) queueMicrotask(() => this.flushOutbox());
  }

  private flushOutbox(): void {
    const frames = this.outbox;
    if (frames.length === 0 || this.closed) return;
    this.outbox = [];
    const bytes = frames.length === 1 ? frames[0]! : concatAll(frames);
    socketBytes.written += bytes.length;
    this.write(bytes);
  }

  close(reason: string): void {
    if (this.closed) return;
    this.flushOutbox();
    this.closeReason = reason;
    this.socket.end();
    this.events.onClose(this, reason);
  }

  private write(bytes: Uint8Array): void {
    if (this.pending.length > 0) {
      this.pending.push(bytes);
      return;
    }
    const written = this.socket.write(bytes);
    if (written < bytes.length) this.pending.push(bytes.subarray(Math.max(written, 0)));
  }

  /** Socket callbacks: called by the handler set below. */
  handleData(chunk: Uint8Array): void {
    socketBytes.read += chunk.length;
    let messages: unknown[];
    try {
      messages = this.reader.push(chunk);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.drop(err.message);
      return;
    }
    for (const raw of messages) {
      if (this.closed) return;
      const parsed = parseMessage(raw);
      if (!parsed.ok) {
        this.drop(parsed.reason);
        return;
      }
      try {
        this.events.onMessage(this, parsed.message);
      } catch (err) {
        crash(err);
        return;
      }
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
  }

  handleClose(reason: string): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.events.onClose(this, reason);
  }

  private drop(reason: string): void {
    (this.events.log ?? ((l) => console.error(l)))(`dropping connection: ${reason}`);
    this.close(`protocol error: ${reason}`);
  }
}

/**
 * Bytes this process has read from and written to all its gaia sockets. The IO engine shows
 * its figures in its status: every connection on io.sock has the engine at one end, so they
 * prove what crosses io.sock (an array must add only its name and shape, never its bytes).
 */
export const socketBytes = { read: 0, written: 0 };

/**
 * A throw from a message handler is a bug in gaia, not a fault of the peer. Bun would report
 * it as a socket error and leave the process half-working; instead it crashes the process
 * loudly, and the supervisor restarts it (STYLE: internal bugs crash and get restarted).
 */
export function crash(err: unknown): void {
  console.error(`internal error while handling a message: ${(err as Error)?.stack ?? err}`);
  process.exit(70); // EX_SOFTWARE
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The Bun socket handlers that route into `socket.data`, a Connection. */
export function connectionHandlers(events: ConnectionEvents): SocketHandler<Connection> {
  return {
    open(socket) {
      socket.data = new Connection(socket, events);
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

/** Connects to a Unix socket; resolves with the Connection once open. */
export async function connectUnix(path: string, events: ConnectionEvents): Promise<Connection> {
  const socket = await Bun.connect<Connection>({ unix: path, socket: connectionHandlers(events) });
  return socket.data;
}
