/**
 * One request's life on a connection: the web Request built from its head, the handler's
 * turn, and the answer written (`send-response.ts`). The connection (`connection.ts`) owns the
 * bytes and decides what comes next; an exchange tells it, through `Link`, when its answer is
 * out, and writes only while it is the connection's current one.
 *
 * What the handler sees: a Request whose body is the bytes when they came whole with the head
 * (the hot path: a small JSON POST in one chunk), else a stream (`body-in.ts`); whose signal
 * aborts when the client goes away (`request.ts`). A throw, a rejected promise or a value that is not a
 * Response is a JSON 500 and the connection serves on.
 */
import type { IncomingBody } from "./body-in.ts";
import { describe, errorResponse } from "./errors.ts";
import type { RequestHead } from "./head.ts";
import { hasToken, type Plan } from "./plan.ts";
import { type BodyReader, type ResponseTarget, sendResponse } from "./send-response.ts";
import { ServerRequest } from "./request.ts";
import { pendingUpgrade, type Upgrade } from "./websocket/upgrade.ts";

export type RequestInfo = { remote: "unix" | string };
export type Handler = (req: Request, info: RequestInfo) => Response | Promise<Response>;

/** What an exchange asks of its connection. */
export interface Link {
  readonly closed: boolean;
  /** The client has half-closed: the rest of an unread body will never come. */
  readonly peerEnded: boolean;
  /** The server is stopping: no connection is kept after its answer. */
  readonly stopping: boolean;
  readonly handler: Handler;
  readonly info: RequestInfo;
  write(data: Uint8Array | string): boolean;
  drained(): Promise<void>;
  report(err: unknown): void;
  destroy(): void;
  /** The answer is out; the connection goes on to the next request, or closes. */
  sent(ex: Exchange, keepAlive: boolean): void;
  upgrade(ex: Exchange, res: Response, upgrade: Upgrade): void;
}

/** An unread body this small is read and dropped after the answer, keeping the connection. */
const DRAIN_LIMIT = 64 * 1024;

type Answer =
  | { t: "handling" }
  | { t: "writing"; headSent: boolean; fallback: boolean }
  | { t: "sent"; keepAlive: boolean }
  /** The connection is gone, or took the exchange back (a refusal mid-body). */
  | { t: "dropped" };

export class Exchange implements ResponseTarget {
  private request: ServerRequest | null = null;
  answer: Answer = { t: "handling" };
  /** `100 Continue`: the client did not ask, waits for it, or has had it. */
  continued: "unasked" | "owed" | "sent";
  private reader: BodyReader | null = null;

  constructor(
    private readonly link: Link,
    readonly head: RequestHead,
    readonly plan: Plan,
    readonly body: IncomingBody | null,
  ) {
    this.continued = plan.expectContinue ? "owed" : "unasked";
  }

  /** Hands the request to the handler, or answers it without one (405, 417). */
  run(bytes: Uint8Array | null): void {
    const { plan, head } = this;
    if (plan.answer !== null) return this.respond(errorResponse(plan.answer.status, plan.answer.code, plan.answer.message, plan.answer.headers));
    const body = bytes ?? this.body?.stream ?? undefined;
    let req: ServerRequest;
    try {
      req = this.request = new ServerRequest(plan.url, { method: head.method, headers: head.headers, body });
    } catch (err) {
      return this.respond(errorResponse(400, "bad_request", `the request cannot be read: ${describe(err)}`, { connection: "close" }));
    }
    let out: Response | Promise<Response>;
    try {
      out = this.link.handler(req, this.link.info);
    } catch (err) {
      out = this.internal(err);
    }
    if (out instanceof Promise) out.then((res) => this.respond(res), (err) => this.respond(this.internal(err)));
    else this.respond(out);
  }

  /** The client is gone, or the connection refuses the rest: stop everything under way. */
  drop(reason: Error): void {
    this.answer = { t: "dropped" };
    this.request?.clientGone(reason);
    this.body?.fail(reason);
    void this.reader?.cancel(reason).catch(() => {});
  }

  /** The handler reads the body: send the Continue the client may wait for. */
  pulled(): void {
    if (this.continued === "owed" && this.answer.t === "handling" && !this.link.closed) {
      this.continued = "sent";
      this.link.write("HTTP/1.1 100 Continue\r\n\r\n");
    }
  }

  private respond(res: Response, fallback = false): void {
    if (this.answer.t !== "handling") return;
    if (!(res instanceof Response)) res = this.internal(new TypeError(`the handler returned ${describe(Object.prototype.toString.call(res))}, not a Response`));
    const upgrade = pendingUpgrade(res);
    if (upgrade !== undefined) {
      if (this.plan.websocket && this.body === null) return this.link.upgrade(this, res, upgrade);
      res = errorResponse(400, "bad_request", "a WebSocket upgrade needs a GET with 'Connection: Upgrade' and 'Upgrade: websocket', and no body");
    } else if (res.status < 200) {
      // 1xx are the layer's to send (Continue, the upgrade's 101); one from a handler would leave the client waiting.
      res = this.internal(new Error(`the handler answered ${res.status}; informational statuses are not a final answer`));
    }
    this.answer = { t: "writing", headSent: false, fallback };
    sendResponse(this, res, this.head.method === "HEAD").then(
      (keepAlive) => {
        if (this.answer.t !== "writing") return;
        this.answer = { t: "sent", keepAlive };
        if (this.body !== null && !this.body.done) this.body.discard();
        this.link.sent(this, keepAlive);
      },
      (err) => this.failed(err),
    );
  }

  /** Writing the answer failed: a 500 if nothing has gone out yet (once), else cut the connection. */
  private failed(err: unknown): void {
    this.link.report(err);
    const answer = this.answer;
    if (answer.t !== "writing") return;
    if (answer.headSent || answer.fallback || this.link.closed) return this.link.destroy();
    this.answer = { t: "handling" };
    this.respond(errorResponse(500, "internal", `internal error: the response body failed: ${describe(err)}`, { connection: "close" }), true);
  }

  private internal(err: unknown): Response {
    this.link.report(err);
    return errorResponse(500, "internal", `internal error: ${describe(err)}`);
  }

  // ResponseTarget: what sendResponse writes through.
  get closed(): boolean {
    return this.link.closed || this.answer.t === "dropped";
  }
  get version(): "1.0" | "1.1" {
    return this.head.version;
  }
  write(data: Uint8Array | string): boolean {
    if (this.answer.t === "writing") this.answer.headSent = true;
    return this.closed ? false : this.link.write(data);
  }
  drained(): Promise<void> {
    return this.link.drained();
  }
  keepAliveAfter(res: Response): boolean {
    if (this.link.stopping || !this.plan.keepAlive || hasToken(res.headers.get("connection"), "close")) return false;
    const body = this.body;
    if (body === null || body.done) return true;
    if (this.link.peerEnded) return false; // the rest of the body can never come
    // A client still waiting for 100 Continue may never send the body it announced.
    const left = body.remaining;
    return left !== null && left <= DRAIN_LIMIT && this.continued !== "owed";
  }
  reading(reader: BodyReader | null): void {
    this.reader = reader;
  }
  report(err: Error): void {
    this.link.report(err);
  }
}
