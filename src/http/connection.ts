/**
 * One client connection: bytes in, requests to the handler one at a time (`exchange.ts`),
 * answers out in order. Pipelined requests wait in the buffer (at most PIPELINE_LIMIT bytes
 * before reading pauses) until the answer before them has been sent and the body before them
 * read to its end.
 *
 * The layer's own refusals that leave the stream unreadable (bad framing, garbage, a head too
 * large or too slow) are answered and the connection is closed; a 405 or a handler's throw is
 * answered and the connection serves on. Reading pauses while a request body's queue is full
 * (the handler reads slower than the client sends) or the pipeline buffer is.
 */
import type { Socket } from "node:net";
import { IncomingBody } from "./body-in.ts";
import { errorJson, refuse, type Refusal } from "./errors.ts";
import { Exchange, type Handler, type Link, type RequestInfo } from "./exchange.ts";
import { type HeadLimits, parseHead, type RequestHead, scanHead } from "./head.ts";
import { type Plan, planRequest } from "./plan.ts";
import { errorHead, httpDate } from "./response-head.ts";
import { WebSocketConnection } from "./websocket/connection.ts";
import { type Upgrade, upgradeHead } from "./websocket/upgrade.ts";

export type { Handler, RequestInfo } from "./exchange.ts";

export type ConnectionConfig = {
  handler: Handler;
  limits: HeadLimits;
  headersTimeoutMs: number;
  scheme: "http" | "https";
  report: (err: unknown) => void;
  closed: (conn: Connection) => void;
};

const PIPELINE_LIMIT = 256 * 1024;
const FIRST_REQUEST_GRACE_MS = 1000;

type Phase =
  | { t: "idle"; scanned: number; timer: ReturnType<typeof setTimeout> | null }
  | { t: "exchange"; ex: Exchange }
  | { t: "websocket"; ws: WebSocketConnection }
  | { t: "closing" };

export class Connection implements Link {
  private buf: Buffer | null = null;
  private phase: Phase = { t: "idle", scanned: 0, timer: null };
  private paused = false;
  private drainWaiters: (() => void)[] = [];
  /** Requests begun on this connection. */
  private exchanges = 0;
  closed = false;
  peerEnded = false;
  stopping = false;
  readonly info: RequestInfo;
  readonly handler: Handler;
  readonly report: (err: unknown) => void;

  constructor(private readonly socket: Socket, private readonly config: ConnectionConfig) {
    this.info = { remote: socket.remoteAddress || "unix" };
    this.handler = config.handler;
    this.report = config.report;
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.wake());
    socket.on("end", () => this.onEnd());
    socket.on("close", () => this.onClose());
    socket.on("error", () => {}); // 'close' follows, and is where the connection is let go
  }

  /**
   * The server stops: close now if idle, else after the answer under way; a WebSocket gets 1001.
   * A connection that has not sent its first request yet gets FIRST_REQUEST_GRACE_MS for it:
   * it was accepted just now and its request is on the way (closing it would cut a client that
   * did nothing wrong; seen when the supervisor's responder hands gaia.sock back to the engine).
   */
  shutdown(): void {
    this.stopping = true;
    if (this.phase.t === "idle" && this.buf === null) {
      if (this.exchanges > 0) this.end();
      else setTimeout(() => this.phase.t === "idle" && this.buf === null && this.end(), FIRST_REQUEST_GRACE_MS).unref();
    }
    if (this.phase.t === "websocket") this.phase.ws.ws.close(1001, "the server is stopping");
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const phase = this.phase;
    if (phase.t === "closing") return;
    if (phase.t === "websocket") return phase.ws.feed(chunk);
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    this.pump();
  }

  /** Moves bytes along: heads to new exchanges, body bytes to the body, until something waits. */
  private pump(): void {
    for (;;) {
      const phase = this.phase;
      if (phase.t === "exchange" && phase.ex.answer.t === "sent") {
        // Closing needs no more of the body; serving on needs all of it read first.
        if (!phase.ex.answer.keepAlive) return this.end();
        if (phase.ex.body?.done ?? true) {
          if ((this.stopping || this.peerEnded) && this.buf === null) return this.end();
          this.phase = { t: "idle", scanned: 0, timer: null };
          continue;
        }
      }
      const buf = this.buf;
      if (buf === null) break;
      if (phase.t === "idle") {
        if (!this.begin(phase, buf)) break;
        continue;
      }
      if (phase.t !== "exchange") break;
      const body = phase.ex.body;
      if (body === null || body.done || body.full) break;
      const took = body.feed(buf, 0);
      if (typeof took !== "number") return this.refuseAndClose(took);
      this.buf = took === buf.length ? null : buf.subarray(took);
    }
    this.flow();
  }

  /** Looks for a whole head in `buf`; starts its exchange and answers true when there is one. */
  private begin(phase: Phase & { t: "idle" }, buf: Buffer): boolean {
    const { limits } = this.config;
    const scan = scanHead(buf, phase.scanned, limits);
    if (scan.t === "partial") {
      phase.scanned = scan.scanned;
      if (this.peerEnded) this.refuseAndClose(refuse(400, "bad_request", "the connection ended inside a request head"));
      else if (phase.timer === null && this.config.headersTimeoutMs > 0) {
        phase.timer = setTimeout(() => this.headTimeout(phase), this.config.headersTimeoutMs);
      }
      return false;
    }
    this.leaveIdle();
    if (scan.t === "refuse") return this.refuseAndClose(scan.refusal), false;
    const head = parseHead(buf, scan.start, scan.end, limits);
    if ("status" in head) return this.refuseAndClose(head), false;
    const plan = planRequest(head, this.config.scheme);
    if ("status" in plan) return this.refuseAndClose(plan), false;
    this.exchanges++;
    this.start(head, plan, buf, scan.end);
    return true;
  }

  /** Starts the exchange for `head`, whose body (if any) begins at buf[at]. */
  private start(head: RequestHead, plan: Plan, buf: Buffer, at: number): void {
    const takesBody = plan.answer === null && head.method !== "GET" && head.method !== "HEAD";
    let bytes: Uint8Array | null = null;
    let body: IncomingBody | null = null;
    let rest = at;
    if (plan.framing.t === "length" && buf.length - at >= plan.framing.bytes) {
      // The whole body is here already (a small POST in one chunk): bytes, no stream.
      // A plain view: Buffer's subarray cost ~4% of a request's time in a profile (Bun 1.4.5).
      if (takesBody) bytes = new Uint8Array(buf.buffer, buf.byteOffset + at, plan.framing.bytes);
      rest += plan.framing.bytes;
    } else if (plan.framing.t !== "none") {
      body = new IncomingBody(plan.framing, takesBody ? { pulled: () => this.pulled() } : null);
    }
    this.buf = rest === buf.length ? null : buf.subarray(rest);
    const ex = new Exchange(this, head, plan, body);
    this.phase = { t: "exchange", ex };
    ex.run(bytes);
  }

  /** The handler reads the body: the client may wait for Continue, and reading goes on. */
  private pulled(): void {
    if (this.phase.t === "exchange") this.phase.ex.pulled();
    // Not inline: the stream may call pull from inside an enqueue, that is, inside pump().
    queueMicrotask(() => this.pump());
  }

  // Link: what the current exchange asks of the connection.
  write(data: Uint8Array | string): boolean {
    return this.closed ? false : this.socket.write(data);
  }
  drained(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.drainWaiters.push(resolve));
  }
  sent(ex: Exchange): void {
    if (this.phase.t === "exchange" && this.phase.ex === ex) this.pump();
  }
  upgrade(ex: Exchange, res: Response, upgrade: Upgrade): void {
    if (this.phase.t !== "exchange" || this.phase.ex !== ex) return;
    this.socket.write(upgradeHead(res));
    const ws = new WebSocketConnection(this.socket, upgrade, () => this.flow(), this.report);
    this.phase = { t: "websocket", ws };
    const rest = this.buf;
    this.buf = null;
    ws.open();
    if (rest !== null) ws.feed(rest);
  }

  private flow(): void {
    const want = this.wantsData();
    if (want === !this.paused) return;
    this.paused = !want;
    if (want) this.socket.resume();
    else this.socket.pause();
  }

  private wantsData(): boolean {
    const phase = this.phase;
    if (phase.t === "websocket") return phase.ws.wantsData;
    if (phase.t !== "exchange") return true;
    const body = phase.ex.body;
    if (body !== null && !body.done) return !body.full;
    return (this.buf?.length ?? 0) < PIPELINE_LIMIT;
  }

  private headTimeout(phase: Phase): void {
    if (this.phase !== phase) return;
    this.refuseAndClose(refuse(408, "request_timeout", `the request head did not arrive whole within ${this.config.headersTimeoutMs / 1000} s`));
  }

  /** Answers a refusal that leaves the stream unreadable, then closes. */
  private refuseAndClose(refusal: Refusal): void {
    const phase = this.phase;
    if (phase.t === "exchange") {
      const answering = phase.ex.answer.t === "handling";
      phase.ex.drop(new Error(refusal.message));
      if (!answering) return this.destroy(); // another answer is on the wire already
    }
    this.leaveIdle();
    this.phase = { t: "closing" };
    this.buf = null;
    const body = errorJson(refusal.code, refusal.message);
    this.socket.end(errorHead(refusal.status, Buffer.byteLength(body), false, refusal.headers, httpDate()) + body);
  }

  private end(): void {
    this.leaveIdle();
    this.phase = { t: "closing" };
    this.buf = null;
    this.socket.end();
  }

  private onEnd(): void {
    this.peerEnded = true;
    const phase = this.phase;
    if (phase.t === "websocket") return phase.ws.peerEnded();
    if (phase.t === "idle") return this.buf === null ? this.end() : this.pump();
    if (phase.t === "exchange" && !(phase.ex.body?.done ?? true)) {
      phase.ex.body!.fail(new Error("the client ended the connection before the request body was complete"));
      if (phase.ex.answer.t === "sent") this.end(); // it was waiting for the body's rest
    }
  }

  private onClose(): void {
    this.closed = true;
    this.leaveIdle();
    const phase = this.phase;
    if (phase.t === "websocket") phase.ws.socketClosed();
    if (phase.t === "exchange") {
      const gone = new Error("the client closed the connection");
      if (phase.ex.answer.t === "sent") phase.ex.body?.fail(gone);
      else phase.ex.drop(gone);
    }
    this.phase = { t: "closing" };
    this.wake();
    this.config.closed(this);
  }

  /** The head timer of an idle phase that is being left goes with it. */
  private leaveIdle(): void {
    if (this.phase.t === "idle" && this.phase.timer !== null) clearTimeout(this.phase.timer);
  }

  private wake(): void {
    if (this.phase.t === "websocket") this.phase.ws.drained();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}
