/**
 * Decoding a `Transfer-Encoding: chunked` body (RFC 9112 §7.1) as its bytes arrive, in
 * pieces of any size. Pure: each `push` says which data bytes it found (views on the input,
 * no copies), how many input bytes it used, and whether the body has ended; bytes after the
 * end belong to the next request. Chunk extensions are read past and trailers dropped.
 * A malformed size line, chunk data that overruns its size, or a size beyond 2^53 is a 400
 * that closes the connection.
 */
import { badRequest, refuse, type Refusal } from "./errors.ts";

export type ChunkStep = { chunks: Uint8Array[]; consumed: number; done: boolean };

type State =
  | { t: "size"; line: string }
  | { t: "data"; left: number }
  | { t: "crlf"; seen: 0 | 1 }
  | { t: "trailer"; line: string; bytes: number }
  | { t: "done" };

const MAX_SIZE_LINE = 4096;
const MAX_TRAILERS = 64 * 1024;
const SIZE_LINE = /^([0-9A-Fa-f]+)[ \t]*(;[^\x00-\x08\x0a-\x1f\x7f]*)?$/;

export class ChunkedDecoder {
  private state: State = { t: "size", line: "" };

  get done(): boolean {
    return this.state.t === "done";
  }

  push(buf: Uint8Array, from: number): ChunkStep | Refusal {
    const chunks: Uint8Array[] = [];
    let at = from;
    while (at < buf.length && this.state.t !== "done") {
      const s = this.state;
      if (s.t === "data") {
        const n = Math.min(s.left, buf.length - at);
        chunks.push(buf.subarray(at, at + n));
        at += n;
        this.state = s.left === n ? { t: "crlf", seen: 0 } : { t: "data", left: s.left - n };
      } else if (s.t === "crlf") {
        const want = s.seen === 0 ? 13 : 10;
        if (buf[at] !== want) return badRequest("chunk data is longer than its chunk size, or not followed by CRLF");
        at++;
        this.state = s.seen === 0 ? { t: "crlf", seen: 1 } : { t: "size", line: "" };
      } else {
        const step = this.readLine(buf, at, s);
        if (!("at" in step)) return step;
        at = step.at;
      }
    }
    return { chunks, consumed: at - from, done: this.state.t === "done" };
  }

  /** A size line or a trailer line: gathered up to its LF, then judged. */
  private readLine(buf: Uint8Array, at: number, s: State & { t: "size" | "trailer" }): { at: number } | Refusal {
    const lf = buf.indexOf(10, at);
    const end = lf < 0 ? buf.length : lf;
    const text = s.line + Buffer.from(buf.buffer, buf.byteOffset + at, end - at).toString("latin1");
    const bytes = s.t === "trailer" ? s.bytes + (end - at) : 0;
    if (s.t === "size" && text.length > MAX_SIZE_LINE) return badRequest(`a chunk size line is longer than ${MAX_SIZE_LINE} bytes`);
    if (s.t === "trailer" && bytes > MAX_TRAILERS) return refuse(431, "headers_too_large", `the chunked body's trailers exceed ${MAX_TRAILERS} bytes`);
    if (lf < 0) {
      this.state = s.t === "size" ? { t: "size", line: text } : { t: "trailer", line: text, bytes };
      return { at: buf.length };
    }
    if (!text.endsWith("\r")) return badRequest("a line of the chunked body ends in a bare LF; lines end in CRLF");
    const line = text.slice(0, -1);
    if (s.t === "trailer") {
      if (/[\r\x00-\x08\x0a-\x1f\x7f]/.test(line)) return badRequest("a trailer line holds a control byte");
      this.state = line === "" ? { t: "done" } : { t: "trailer", line: "", bytes };
      return { at: lf + 1 };
    }
    const m = SIZE_LINE.exec(line);
    if (!m) return badRequest(`'${line.slice(0, 40)}' is not a chunk size (hexadecimal digits, then CRLF)`);
    const size = Number.parseInt(m[1]!, 16);
    if (!Number.isSafeInteger(size)) return badRequest(`the chunk size ${m[1]!.slice(0, 40)} is too large`);
    this.state = size === 0 ? { t: "trailer", line: "", bytes: 0 } : { t: "data", left: size };
    return { at: lf + 1 };
  }
}
