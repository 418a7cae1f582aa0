/**
 * Writing a handler's Response onto a connection: the head, then the body with the socket's
 * backpressure (a write that fills the socket's buffer waits for its drain, so a 1 GiB file
 * is never held whole in memory).
 *
 * Framing: a Content-Length the handler set is the size it promises (a body that turns out
 * longer is cut there, a shorter one ends the connection, both reported). A `sizedResponse`
 * leaves with its head in one write. Otherwise the body is read: one whose reads are each
 * ready within a few microtask turns up to its end (strings, bytes, Blobs, small files: Bun
 * hands a string over in settled 16 KiB pieces, then a done one turn later, measured with Bun
 * 1.4.5) gets a Content-Length and leaves in one write with its head; anything else is a
 * stream, sent chunked on HTTP/1.1 and ended by closing on HTTP/1.0, its head at once so an
 * event stream's client sees its headers before the first event.
 */
import { describe } from "./errors.ts";
import { bodiless, type BodySize, httpDate, responseHead } from "./response-head.ts";
import { knownBody } from "./sized-response.ts";

type Read = { done: true; value?: undefined } | { done: false; value: unknown };
/** The part of a stream reader the writer uses (bun-types gives getReader() two reader types). */
export type BodyReader = { read(): Promise<Read>; cancel(reason?: unknown): Promise<void> };

/** What a connection offers the writer. */
export interface ResponseTarget {
  readonly closed: boolean;
  readonly version: "1.0" | "1.1";
  /** false: the socket's buffer is full; wait for `drained()` before writing more. */
  write(data: Uint8Array | string): boolean;
  drained(): Promise<void>;
  /** Asked once, as the head is written: may the connection serve another request after this one? */
  keepAliveAfter(res: Response): boolean;
  /** The reader of the body being sent, cancelled by the connection if the client goes away. */
  reading(reader: BodyReader | null): void;
  report(err: Error): void;
}

/** Writes `res` whole; resolves whether the connection may serve on. */
export async function sendResponse(target: ResponseTarget, res: Response, head: boolean): Promise<boolean> {
  const known = knownBody(res);
  if (known !== undefined && !bodiless(res.status)) {
    const bytes = typeof known === "string" ? Buffer.byteLength(known) : known.length;
    return writeHead(target, res, { t: "length", bytes }, head ? null : known);
  }
  const declared = declaredLength(res.headers.get("content-length"));
  const body = res.body;
  if (bodiless(res.status) || head) {
    if (body) void body.cancel().catch(() => {});
    const size: BodySize = bodiless(res.status) ? { t: "none" } : declared !== null ? { t: "length", bytes: declared } : body ? { t: "none" } : { t: "length", bytes: 0 };
    return writeHead(target, res, size, null);
  }
  if (body === null) return writeHead(target, res, { t: "length", bytes: 0 }, null);
  const reader: BodyReader = body.getReader();
  target.reading(reader);
  try {
    if (declared !== null) return await sendDeclared(target, res, reader, declared);
    // Reads that are ready at once are gathered: a large string comes in 16 KiB pieces, all
    // settled, and is still one sized answer (clients that frame by Content-Length, and one
    // write). The first read that is not ready, or more than READ_AHEAD_BYTES, makes it a stream.
    const ready: Uint8Array[] = [];
    let gathered = 0;
    for (;;) {
      const r = reader.read();
      const got = settled(r) ?? (await within(r));
      if (got === PENDING) return await sendStream(target, res, reader, [...ready.map((value) => ({ done: false as const, value })), r]);
      if (got.done) break;
      const bytes = asBytes(got.value);
      ready.push(bytes);
      gathered += bytes.length;
      if (gathered > READ_AHEAD_BYTES) return await sendStream(target, res, reader, ready.map((value) => ({ done: false as const, value })));
    }
    const whole = ready.length === 1 ? ready[0]! : Buffer.concat(ready, gathered);
    return writeHead(target, res, { t: "length", bytes: gathered }, gathered === 0 ? null : whole);
  } finally {
    target.reading(null);
  }
}

/** Writes the head, and with it a body of known bytes (`size` says how many) in the same write. */
function writeHead(target: ResponseTarget, res: Response, size: BodySize, body: Uint8Array | string | null): boolean {
  const keepAlive = target.keepAliveAfter(res) && size.t !== "close";
  const head = responseHead(res.status, res.statusText, res.headers, size, { keepAlive, version: target.version }, httpDate());
  const bytes = size.t === "length" ? size.bytes : 0;
  if (body === null || bytes === 0) target.write(head);
  else if (bytes > 64 * 1024) {
    target.write(head);
    target.write(body);
  } else {
    const out = Buffer.allocUnsafe(head.length + bytes);
    out.write(head, 0, "latin1");
    if (typeof body === "string") out.write(body, head.length, "utf8");
    else out.set(body, head.length);
    target.write(out);
  }
  return keepAlive;
}

const PENDING = Symbol("pending");
/** Past this, a body whose reads keep being ready goes out as a stream rather than be held. */
const READ_AHEAD_BYTES = 64 * 1024 * 1024;

/** The read's result if it has settled already (Bun.peek: no microtask turn); throws its error. */
function settled(read: Promise<Read>): Read | undefined {
  const status = Bun.peek.status(read);
  if (status === "pending") return undefined;
  if (status === "rejected") throw Bun.peek(read);
  return Bun.peek(read) as Read;
}

/** The read's result if it settles within a few microtask turns, else PENDING (the read goes on). */
async function within(read: Promise<Read>): Promise<Read | typeof PENDING> {
  for (let turn = 0; turn < 4; turn++) {
    await null;
    const got = settled(read);
    if (got !== undefined) return got;
  }
  return PENDING;
}

/** Sends a body of unknown size: `started` are reads already made, in order. */
async function sendStream(target: ResponseTarget, res: Response, reader: BodyReader, started: (Read | Promise<Read>)[]): Promise<boolean> {
  const chunked = target.version === "1.1";
  const keepAlive = writeHead(target, res, chunked ? { t: "chunked" } : { t: "close" }, null);
  for (let i = 0; ; i++) {
    const r = i < started.length ? await started[i]! : await reader.read();
    if (target.closed) return false;
    if (r.done) break;
    if (!sendChunk(target, asBytes(r.value), chunked)) await target.drained();
    if (target.closed) return false;
  }
  if (chunked) target.write("0\r\n\r\n");
  return keepAlive;
}

function sendChunk(target: ResponseTarget, bytes: Uint8Array, chunked: boolean): boolean {
  if (bytes.length === 0) return true;
  if (!chunked) return target.write(bytes);
  const size = `${bytes.length.toString(16)}\r\n`;
  if (bytes.length > 16 * 1024) {
    target.write(size);
    target.write(bytes);
    return target.write("\r\n");
  }
  const out = Buffer.allocUnsafe(size.length + bytes.length + 2);
  out.write(size, 0, "latin1");
  out.set(bytes, size.length);
  out.write("\r\n", size.length + bytes.length, "latin1");
  return target.write(out);
}

async function sendDeclared(target: ResponseTarget, res: Response, reader: BodyReader, declared: number): Promise<boolean> {
  const keepAlive = writeHead(target, res, { t: "length", bytes: declared }, null);
  let sent = 0;
  for (;;) {
    const r = await reader.read();
    if (target.closed) return false;
    if (r.done) break;
    let bytes = asBytes(r.value);
    if (sent + bytes.length > declared) {
      void reader.cancel().catch(() => {});
      target.write(bytes.subarray(0, declared - sent));
      target.report(new Error(`the response body is longer than its Content-Length ${declared}; cut there`));
      return false;
    }
    sent += bytes.length;
    if (!target.write(bytes)) await target.drained();
    if (target.closed) return false;
  }
  if (sent < declared) {
    target.report(new Error(`the response body has ${sent} bytes, its Content-Length says ${declared}; the connection is closed`));
    return false;
  }
  return keepAlive;
}

function declaredLength(value: string | null): number | null {
  return value !== null && /^\d{1,15}$/.test(value) ? Number(value) : null;
}

/** A stream may hand over strings or other views; the socket takes bytes. */
function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === "string") return Buffer.from(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`a response stream gave a ${describe(Object.prototype.toString.call(chunk))}, not bytes`);
}
