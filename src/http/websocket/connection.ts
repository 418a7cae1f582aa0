/**
 * A WebSocket on a connection that has switched protocols: frames in (reassembled into
 * messages, pings answered), frames out, and the closing handshake (§7).
 *
 * Backpressure both ways: `send` answers false and `bufferedAmount` grows while the socket's
 * buffer is full (the `drain` handler says when to go on); a `message` handler that returns a
 * promise holds the next message, and reading from the socket, until it settles, so a slow
 * consumer slows its client down through TCP instead of piling messages up in memory.
 */
import type { Socket } from "node:net";
import { CLOSE, closePayload, encodeFrame, type Frame, OP, readClose, readFrame } from "./frames.ts";
import type { Upgrade } from "./upgrade.ts";

type State = { t: "open" } | { t: "closing"; timer: ReturnType<typeof setTimeout> } | { t: "closed" };

/** A peer that does not answer our close frame within this is cut off. */
const CLOSE_WAIT_MS = 5000;
const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** The handlers' side of a WebSocket. */
export class ServerWebSocket {
  constructor(private readonly conn: WebSocketConnection) {}
  /** Sends one message (a string as text, bytes as binary); false: wait for `drain`. */
  send(data: Uint8Array | string): boolean {
    return this.conn.sendMessage(data);
  }
  close(code: number = CLOSE.normal, reason = ""): void {
    this.conn.startClose(code, reason);
  }
  ping(data: Uint8Array = new Uint8Array(0)): void {
    this.conn.sendFrame(OP.ping, data.subarray(0, 125));
  }
  /** Bytes handed to `send` that the socket has not taken yet. */
  get bufferedAmount(): number {
    return this.conn.buffered;
  }
  get readyState(): "open" | "closing" | "closed" {
    return this.conn.state;
  }
}

export class WebSocketConnection {
  /** Bytes come in chunks; they are joined only once a whole frame is there (`need`). */
  private chunks: Buffer[] = [];
  private held = 0;
  private need = 0;
  private status: State = { t: "open" };
  /** A fragmented message being gathered. */
  private message: { op: number; parts: Uint8Array[]; bytes: number } | null = null;
  /** A message handler's promise not yet settled. */
  private busy = false;
  readonly ws = new ServerWebSocket(this);

  constructor(
    private readonly socket: Socket,
    private readonly upgrade: Upgrade,
    private readonly flow: () => void,
    private readonly report: (err: unknown) => void,
  ) {}

  get state(): "open" | "closing" | "closed" {
    return this.status.t;
  }
  get buffered(): number {
    return this.socket.writableLength;
  }
  get wantsData(): boolean {
    return !this.busy;
  }

  open(): void {
    this.call(() => this.upgrade.handlers.open?.(this.ws));
  }

  feed(chunk: Buffer): void {
    if (this.status.t === "closed") return;
    this.chunks.push(chunk);
    this.held += chunk.length;
    // Joining every chunk as it came would copy a 16 MiB frame ~256 times over.
    if (this.held >= this.need) this.read();
  }

  private read(): void {
    while (this.held > 0 && !this.busy && this.status.t !== "closed") {
      const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      // Control frames (≤ 125 bytes) may come between a message's fragments whatever its size.
      const room = Math.max(125, this.upgrade.maxMessageBytes - (this.message?.bytes ?? 0));
      const got = readFrame(buf, 0, room);
      if (got.t === "partial") {
        this.chunks = [buf];
        this.need = got.need;
        break;
      }
      if (got.t === "fail") return this.fail(got.code, got.reason);
      this.chunks = got.size === buf.length ? [] : [buf.subarray(got.size)];
      this.held = buf.length - got.size;
      this.need = 0;
      this.frame(got.frame);
    }
    this.flow();
  }

  private frame(frame: Frame): void {
    const { op, payload } = frame;
    if (op === OP.ping) return void this.sendFrame(OP.pong, payload);
    if (op === OP.pong) return;
    if (op === OP.close) return this.peerClose(payload);
    if (this.status.t !== "open") return; // data after our close frame is read past (§7.1.2)
    if (op === OP.continuation) {
      const m = this.message;
      if (m === null) return this.fail(CLOSE.protocol, "a continuation frame with no message to continue");
      if (m.bytes + payload.length > this.upgrade.maxMessageBytes) return this.fail(CLOSE.tooBig, `a message is larger than the limit of ${this.upgrade.maxMessageBytes} bytes`);
      m.parts.push(payload);
      m.bytes += payload.length;
      if (frame.fin) {
        this.message = null;
        this.deliver(m.op, Buffer.concat(m.parts));
      }
      return;
    }
    if (this.message !== null) return this.fail(CLOSE.protocol, "a new message began inside a fragmented one");
    if (frame.fin) this.deliver(op, payload);
    else this.message = { op, parts: [payload], bytes: payload.length };
  }

  private deliver(op: number, payload: Uint8Array): void {
    let data: Uint8Array | string = payload;
    if (op === OP.text) {
      try {
        data = utf8.decode(payload);
      } catch {
        return this.fail(CLOSE.badData, "a text message is not valid UTF-8");
      }
    }
    const out = this.call(() => this.upgrade.handlers.message(this.ws, data));
    if (out instanceof Promise) {
      this.busy = true;
      out.then(
        () => {
          this.busy = false;
          this.read();
        },
        () => this.fail(CLOSE.internal, "the message handler failed"),
      );
    }
  }

  /** A handler's throw is a bug on this side: close with 1011 rather than lose the stream. */
  private call<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.report(err);
      this.fail(CLOSE.internal, "the server's handler failed");
      return undefined;
    }
  }

  sendMessage(data: Uint8Array | string): boolean {
    if (typeof data === "string") return this.sendFrame(OP.text, encoder.encode(data));
    return this.sendFrame(OP.binary, data);
  }

  sendFrame(op: number, payload: Uint8Array): boolean {
    if (this.status.t !== "open" && op !== OP.close) return false;
    return this.socket.write(encodeFrame(op, payload));
  }

  startClose(code: number, reason: string): void {
    if (this.status.t !== "open") return;
    this.sendFrame(OP.close, closePayload(code, reason));
    this.status = { t: "closing", timer: setTimeout(() => this.socket.destroy(), CLOSE_WAIT_MS) };
  }

  private peerClose(payload: Uint8Array): void {
    const close = readClose(payload);
    if ("t" in close) return this.fail(close.code, close.reason);
    if (this.status.t === "open") this.sendFrame(OP.close, closePayload(close.code === 1005 ? CLOSE.normal : close.code, ""));
    this.finish(close.code, close.reason);
    this.socket.end();
  }

  /** Our side ends it: a close frame with the reason, then the socket. */
  private fail(code: number, reason: string): void {
    if (this.status.t === "closed") return;
    this.sendFrame(OP.close, closePayload(code, reason));
    this.finish(code, reason);
    this.socket.end();
  }

  private finish(code: number, reason: string): void {
    if (this.status.t === "closing") clearTimeout(this.status.timer);
    if (this.status.t === "closed") return;
    this.status = { t: "closed" };
    this.chunks = [];
    this.held = 0;
    this.call(() => this.upgrade.handlers.close?.(this.ws, code, reason));
  }

  drained(): void {
    if (this.status.t === "open") this.call(() => this.upgrade.handlers.drain?.(this.ws));
  }

  peerEnded(): void {
    this.socket.end();
  }

  /** The socket is gone; without a close frame first, that is 1006 (abnormal closure). */
  socketClosed(): void {
    this.finish(1006, "the connection was closed without a close frame");
  }
}
