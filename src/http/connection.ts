/**
 * One client connection: bytes in, requests to the handler one at a time, answers out in
 * order. Pipelined requests wait in the buffer (at most PIPELINE_LIMIT bytes before reading
 * pauses) until the answer before them has been sent.
 *
 * A request's life (`Exchange`): its head is parsed and planned (`head.ts`, `plan.ts`); a body
 * that has arrived whole goes to the Request as bytes (the hot path: a small JSON POST in one
 * chunk), any other as a stream (`body-in.ts`); the handler answers; the answer is written
 * (`send-response.ts`); then, once the body has also been read to its end, the next request.
 * The layer's own refusals that leave the stream unreadable (bad framing, garbage, a head too
 * large or too slow) are answered and the connection is closed; a 405 or a handler's throw is
 * answered and the connection serves on.
 */
import type { Socket } from "node:net";
import { IncomingBody } from "./body-in.ts";
import { describe, errorJson, errorResponse, refuse, type Refusal } from "./errors.ts";
import { type HeadLimits, parseHead, type RequestHead, scanHead } from "./head.ts";
import { hasToken, type Plan, planRequest } from "./plan.ts";
import { errorHead, httpDate } from "./response-head.ts";
import { type BodyReader, type ResponseTarget, sendResponse } from "./send-response.ts";
import { pendingUpgrade, upgradeHead } from "./websocket/upgrade.ts";
import { WebSocketConnection } from "./websocket/connection.ts";

export type RequestInfo = { remote: "unix" | string };
export type Handler = (req: Request, info: RequestInfo) => Response | Promise<Response>;

export type ConnectionConfig = {
  handler: Handler;
  limits: HeadLimits;
  headersTimeoutMs: number;
  scheme: "http" | "https";
  report: (err: unknown) => void;
  closed: (conn: Connection) => void;
};

const PIPELINE_LIMIT = 256 * 1024;
/** An unread body this small is read and dropped after the answer, keeping the connection. */
const DRAIN_LIMIT = 64 * 1024;
const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

type Exchange = {
  head: RequestHead;
  plan: Plan;
  abort: AbortController;
  body: IncomingBody | null;
  /** `100 Continue`: the client did not ask, waits for it, or has had it. */
  continued: "unasked" | "owed" | "sent";
  response: { t: "handling" } | { t: "writing"; headSent: boolean } | { t: "sent"; keepAlive: boolean };
};

type Phase =
  | { t: "idle"; scanned: number; timer: ReturnType<typeof setTimeout> | null }
  | { t: "exchange"; ex: Exchange }
  | { t: "websocket"; ws: WebSocketConnection }
  | { t: "closing" };

export class Connection implements ResponseTarget {
  private buf: Buffer | null = null;
  private phase: Phase = { t: "idle", scanned: 0, timer: null };
  private paused = false;
  private peerEnded = false;
  private closeWhenIdle = false;
  private drainWaiters: (() => void)[] = [];
  private reader: BodyReader | null = null;
  private readonly info: RequestInfo;
  closed = false;

  constructor(private readonly socket: Socket, private readonly config: ConnectionConfig) {
    this.info = { remote: socket.remoteAddress || "unix" };
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.wake());
    socket.on("end", () => this.onEnd());
    socket.on("close", () => this.onClose());
    socket.on("error", () => {}); // 'close' follows, and is where the connection is let go
  }

  get idle(): boolean {
    return this.phase.t === "idle" && this.buf === null;
  }

  /** The server stops: close now if idle, else after the answer under way. */
  shutdown(): void {
    this.closeWhenIdle = true;
    if (this.idle) this.end();
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
      if (phase.t === "exchange" && phase.ex.response.t === "sent") {
        // Closing needs no more of the body; serving on needs all of it read first.
        if (!phase.ex.response.keepAlive) return this.end();
        if (phase.ex.body?.done ?? true) {
          if (!this.next()) return;
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

  /** The exchange is over: on to the next request, or close. */
  private next(): boolean {
    if ((this.closeWhenIdle || this.peerEnded) && this.buf === null) {
      this.end();
      return false;
    }
    this.phase = { t: "idle", scanned: 0, timer: null };
    return true;
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
    if (phase.timer !== null) clearTimeout(phase.timer);
    if (scan.t === "refuse") return this.refuseAndClose(scan.refusal), false;
    const head = parseHead(buf, scan.start, scan.end, limits);
    if ("status" in head) return this.refuseAndClose(head), false;
    const plan = planRequest(head, this.config.scheme);
    if ("status" in plan) return this.refuseAndClose(plan), false;
    this.buf = scan.end === buf.length ? null : buf.subarray(scan.end);
    this.start(head, plan);
    return true;
  }

  private start(head: RequestHead, plan: Plan): void {
    const continued = plan.expectContinue ? "owed" : "unasked";
    const ex: Exchange = { head, plan, abort: new AbortController(), body: null, continued, response: { t: "handling" } };
    this.phase = { t: "exchange", ex };
    const takesBody = plan.answer === null && head.method !== "GET" && head.method !== "HEAD";
    let body: Uint8Array | ReadableStream<Uint8Array> | undefined;
    const buf = this.buf;
    if (plan.framing.t === "length" && buf !== null && buf.length >= plan.framing.bytes) {
      // The whole body is here already (a small POST in one chunk): bytes, no stream.
      // A plain view: Buffer's subarray cost ~4% of a request's time in a profile (Bun 1.4.5).
      const n = plan.framing.bytes;
      if (takesBody) body = new Uint8Array(buf.buffer, buf.byteOffset, n);
      this.buf = n === buf.length ? null : buf.subarray(n);
    } else if (plan.framing.t !== "none") {
      ex.body = new IncomingBody(plan.framing, takesBody ? { pulled: () => this.pulled(ex) } : null);
      body = ex.body.stream ?? undefined;
    }
    if (plan.answer !== null) return this.respond(ex, errorResponse(plan.answer.status, plan.answer.code, plan.answer.message, plan.answer.headers));
    let req: Request;
    try {
      req = new Request(plan.url, { method: head.method, headers: head.headers, body, signal: ex.abort.signal });
    } catch (err) {
      return this.respond(ex, errorResponse(400, "bad_request", `the request cannot be read: ${describe(err)}`, { connection: "close" }));
    }
    let out: Response | Promise<Response>;
    try {
      out = this.config.handler(req, this.info);
    } catch (err) {
      out = this.internal(err);
    }
    if (out instanceof Promise) out.then((res) => this.respond(ex, res), (err) => this.respond(ex, this.internal(err)));
    else this.respond(ex, out);
  }

  private respond(ex: Exchange, res: Response): void {
    if (this.phase.t !== "exchange" || this.phase.ex !== ex || ex.response.t !== "handling") return;
    if (!(res instanceof Response)) res = this.internal(new TypeError(`the handler returned ${describe(Object.prototype.toString.call(res))}, not a Response`));
    const upgrade = pendingUpgrade(res);
    if (upgrade !== undefined) {
      if (ex.plan.websocket && ex.body === null) return this.upgrade(res, upgrade);
      res = errorResponse(400, "bad_request", "a WebSocket upgrade needs a GET with 'Connection: Upgrade' and 'Upgrade: websocket', and no body");
    }
    ex.response = { t: "writing", headSent: false };
    sendResponse(this, res, ex.head.method === "HEAD").then(
      (keepAlive) => {
        ex.response = { t: "sent", keepAlive };
        if (!(ex.body?.done ?? true)) ex.body!.discard();
        this.pump();
      },
      (err) => this.responseFailed(ex, err),
    );
  }

  private responseFailed(ex: Exchange, err: unknown): void {
    this.config.report(err);
    if (this.phase.t !== "exchange" || this.phase.ex !== ex || ex.response.t !== "writing") return;
    if (ex.response.headSent || this.closed) return void this.socket.destroy();
    ex.response = { t: "handling" };
    this.respond(ex, errorResponse(500, "internal", `internal error: the response body failed: ${describe(err)}`, { connection: "close" }));
  }

  private internal(err: unknown): Response {
    this.config.report(err);
    return errorResponse(500, "internal", `internal error: ${describe(err)}`);
  }

  private upgrade(res: Response, upgrade: NonNullable<ReturnType<typeof pendingUpgrade>>): void {
    this.socket.write(upgradeHead(res));
    const ws = new WebSocketConnection(this.socket, upgrade, () => this.flow(), this.config.report);
    this.phase = { t: "websocket", ws };
    const rest = this.buf;
    this.buf = null;
    ws.open();
    if (rest !== null) ws.feed(rest);
  }

  /** The handler reads the body: say Continue if the client waits for it, and read on. */
  private pulled(ex: Exchange): void {
    if (ex.continued === "owed" && ex.response.t === "handling" && !this.closed) {
      ex.continued = "sent";
      this.socket.write(CONTINUE);
    }
    // Not inline: the stream may call pull from inside an enqueue, that is, inside pump().
    queueMicrotask(() => this.pump());
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
      phase.ex.abort.abort(new Error(refusal.message));
      phase.ex.body?.fail(new Error(refusal.message));
      if (phase.ex.response.t !== "handling") return this.destroy();
    }
    this.phase = { t: "closing" };
    this.buf = null;
    const body = errorJson(refusal.code, refusal.message);
    this.socket.end(errorHead(refusal.status, Buffer.byteLength(body), false, refusal.headers, httpDate()) + body);
  }

  private end(): void {
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
      if (phase.ex.response.t === "sent") this.end(); // it was waiting for the body's rest
    }
  }

  private onClose(): void {
    this.closed = true;
    const phase = this.phase;
    if (phase.t === "idle" && phase.timer !== null) clearTimeout(phase.timer);
    if (phase.t === "websocket") phase.ws.socketClosed();
    if (phase.t === "exchange") {
      const gone = new Error("the client closed the connection");
      phase.ex.abort.abort(gone);
      phase.ex.body?.fail(gone);
    }
    this.phase = { t: "closing" };
    void this.reader?.cancel(new Error("the client closed the connection")).catch(() => {});
    this.wake();
    this.config.closed(this);
  }

  private wake(): void {
    if (this.phase.t === "websocket") this.phase.ws.drained();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  // ResponseTarget, for the exchange under way.
  get version(): "1.0" | "1.1" {
    return this.phase.t === "exchange" ? this.phase.ex.head.version : "1.1";
  }
  write(data: Uint8Array | string): boolean {
    if (this.phase.t === "exchange" && this.phase.ex.response.t === "writing") this.phase.ex.response.headSent = true;
    return this.closed ? false : this.socket.write(data);
  }
  drained(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.drainWaiters.push(resolve));
  }
  keepAliveAfter(res: Response): boolean {
    if (this.phase.t !== "exchange" || this.closeWhenIdle) return false;
    const ex = this.phase.ex;
    if (!ex.plan.keepAlive || hasToken(res.headers.get("connection"), "close")) return false;
    const body = ex.body;
    if (body === null || body.done) return true;
    if (this.peerEnded) return false; // the rest of the body can never come
    const left = body.remaining;
    // A client still waiting for 100 Continue may never send the body it announced.
    return left !== null && left <= DRAIN_LIMIT && ex.continued !== "owed";
  }
  reading(reader: BodyReader | null): void {
    this.reader = reader;
  }
  report(err: Error): void {
    this.config.report(err);
  }
}
