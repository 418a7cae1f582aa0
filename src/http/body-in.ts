/**
 * A request's body as it arrives, framed by Content-Length or chunked, handed to the handler
 * as the ReadableStream behind `req.body`.
 *
 * Backpressure: the stream's high-water mark is 0, so the stream asks for more (`pull`) only
 * when its reader waits on an empty queue; the connection stops reading the socket while more
 * than `QUEUE_LIMIT` bytes wait unread (`full`), and reads on at the next pull. An upload of
 * several GiB into a file thus holds at most about that much in memory. The first pull is
 * also the moment to send `100 Continue` to a client that asked for it.
 *
 * Once the answer has been sent, the rest of an unread body is dropped as it arrives
 * (`discard`), so the next request on the connection can be found.
 */
import { ChunkedDecoder } from "./chunked.ts";
import type { Refusal } from "./errors.ts";

export const QUEUE_LIMIT = 1024 * 1024;

export type BodyHooks = { pulled(): void };

type Framing = { t: "length"; left: number } | { t: "chunked"; decoder: ChunkedDecoder };

type Sink =
  | { t: "stream"; controller: ReadableStreamDefaultController<Uint8Array> }
  /** No one reads it: a GET's body, one after the answer, or one the handler cancelled. */
  | { t: "discard" }
  | { t: "over" };

export class IncomingBody {
  readonly stream: ReadableStream<Uint8Array> | null = null;
  private framing: Framing;
  private sink: Sink = { t: "discard" };

  constructor(framing: { t: "length"; bytes: number } | { t: "chunked" }, hooks: BodyHooks | null) {
    this.framing = framing.t === "length" ? { t: "length", left: framing.bytes } : { t: "chunked", decoder: new ChunkedDecoder() };
    if (hooks === null) return;
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.sink = { t: "stream", controller };
        },
        pull: () => hooks.pulled(),
        cancel: () => {
          if (this.sink.t === "stream") this.sink = { t: "discard" };
        },
      },
      { highWaterMark: 0, size: (chunk) => chunk?.byteLength ?? 0 },
    );
  }

  get done(): boolean {
    return this.framing.t === "length" ? this.framing.left === 0 : this.framing.decoder.done;
  }

  /** Bytes still to come when the length is known; null for a chunked body. */
  get remaining(): number | null {
    return this.framing.t === "length" ? this.framing.left : null;
  }

  /** More than QUEUE_LIMIT bytes wait for the handler: stop reading the socket. */
  get full(): boolean {
    return this.sink.t === "stream" && (this.sink.controller.desiredSize ?? 0) < -QUEUE_LIMIT;
  }

  /** Takes this body's bytes from buf[from…]; answers how many it took. */
  feed(buf: Buffer, from: number): number | Refusal {
    const f = this.framing;
    if (f.t === "length") {
      const n = Math.min(f.left, buf.length - from);
      f.left -= n;
      this.deliver(buf.subarray(from, from + n));
      if (f.left === 0) this.end();
      return n;
    }
    const step = f.decoder.push(buf, from);
    if ("status" in step) {
      this.fail(new Error(`the chunked body is malformed: ${step.message}`));
      return step;
    }
    for (const chunk of step.chunks) this.deliver(chunk);
    if (step.done) this.end();
    return step.consumed;
  }

  /** The answer is out: whatever is still unread goes, and whatever comes is dropped. */
  discard(): void {
    if (this.sink.t === "stream") this.fail(new Error("the response was sent before the request body was read"));
    this.sink = { t: "discard" };
  }

  /** The client went away, or sent a malformed body: the handler's read fails with `err`. */
  fail(err: Error): void {
    if (this.sink.t === "stream") {
      try {
        this.sink.controller.error(err);
      } catch {}
    }
    this.sink = { t: "over" };
  }

  private deliver(chunk: Uint8Array): void {
    if (chunk.length > 0 && this.sink.t === "stream") this.sink.controller.enqueue(chunk);
  }

  private end(): void {
    if (this.sink.t === "stream") this.sink.controller.close();
    if (this.sink.t !== "discard") this.sink = { t: "over" };
  }
}
