/**
 * Frames for the pipeline sockets' hot path, in src/protocol/frames.ts's format (a u32
 * big-endian length, then one CBOR item of at most 16 MiB), written and read without what
 * made frames.ts's versions slow per frame here.
 *
 * Why: Bun's --cpu-prof of a pass-through node at ~35,000 frames/s put 21% of its time in
 * `get buffer`, `subarray` and `DataView` (37% of the hot path profiled alone). frames.ts builds a DataView to write or read
 * each length, and JavaScriptCore's `.buffer` on a small new typed array first moves its bytes
 * into a fresh ArrayBuffer; cbor-x also makes a DataView for every new source it decodes.
 * Here a length is four byte operations; a small body is copied into one reused scratch
 * buffer whose DataView cbor-x caches (it copies byte strings out, so reuse is safe); only the
 * bytes of a frame still incomplete are kept (copied: the socket may reuse a chunk's memory
 * after its read) and joined once when the frame is whole. A length past the cap is refused
 * before any of its body is buffered.
 *
 * `chan.frame`, one per frame, is written as its fixed first bytes (a map of two, "t":
 * "chan.frame", "value") followed by the value's CBOR, which is byte for byte what encoding
 * the whole map gives; a body that starts with those bytes has only its value decoded, the
 * rest being known. That spares three strings per frame each way (`fromCharCode` was the top
 * item of the profile once the DataViews were gone). Any other body is decoded whole.
 */
import { decodeCbor, decodeCborPrefix, encodeCbor } from "../protocol/cbor.ts";
import { FrameError, MAX_FRAME_BYTES } from "../protocol/frames.ts";

export function frameBytes(message: unknown): Uint8Array {
  const body = encodeCbor(message);
  const n = body.length;
  if (n > MAX_FRAME_BYTES) throw new FrameError(`frame of ${n} bytes exceeds the ${MAX_FRAME_BYTES}-byte cap`);
  const frame = new Uint8Array(4 + n);
  frame[0] = n >>> 24;
  frame[1] = (n >>> 16) & 0xff;
  frame[2] = (n >>> 8) & 0xff;
  frame[3] = n & 0xff;
  frame.set(body, 4);
  return frame;
}

/** The bytes every `chan.frame` body starts with: `{t: "chan.frame", value: ` */
export const FRAME_PREFIX = encodeCbor({ t: "chan.frame", value: null }).slice(0, -1);
const P = FRAME_PREFIX.length;

/** The frame of `{t: "chan.frame", value}` for a value already encoded for CBOR (values.ts). */
export function chanFrameBytes(value: unknown): Uint8Array {
  const body = encodeCbor(value);
  const n = P + body.length;
  if (n > MAX_FRAME_BYTES) throw new FrameError(`frame of ${n} bytes exceeds the ${MAX_FRAME_BYTES}-byte cap`);
  const frame = new Uint8Array(4 + n);
  frame[0] = n >>> 24;
  frame[1] = (n >>> 16) & 0xff;
  frame[2] = (n >>> 8) & 0xff;
  frame[3] = n & 0xff;
  frame.set(FRAME_PREFIX, 4);
  frame.set(body, 4 + P);
  return frame;
}

function isChanFrame(body: Uint8Array): boolean {
  if (body.length <= P) return false;
  for (let i = 0; i < P; i++) if (body[i] !== FRAME_PREFIX[i]) return false;
  return true;
}

const SCRATCH_BYTES = 64 * 1024;
const scratch = new Uint8Array(SCRATCH_BYTES);

/** One body's CBOR item; throws FrameError when it is not exactly one well-formed item. */
export function decodeBody(body: Uint8Array): unknown {
  try {
    if (isChanFrame(body)) return { t: "chan.frame", value: decodeItem(body.subarray(P)) };
    return decodeItem(body);
  } catch (err) {
    throw new FrameError(`undecodable CBOR in a ${body.length}-byte frame: ${(err as Error).message}`);
  }
}

function decodeItem(bytes: Uint8Array): unknown {
  if (bytes.length > SCRATCH_BYTES) return decodeCbor(bytes);
  scratch.set(bytes);
  return decodeCborPrefix(scratch, bytes.length);
}

export class FrameSplitter {
  private parts: Uint8Array[] = [];
  private size = 0;
  /** Bytes needed before anything can be parsed: a length, or the whole frame it announced. */
  private need = 4;

  /** Hands each complete body to `each`, in order; throws FrameError for a length past the cap. */
  push(chunk: Uint8Array, each: (body: Uint8Array) => void): void {
    let data = chunk;
    if (this.parts.length > 0 || chunk.length < this.need) {
      this.parts.push(chunk.slice());
      this.size += chunk.length;
      if (this.size < this.need) return;
      data = this.join();
    }
    let off = 0;
    const n = data.length;
    this.need = 4;
    while (n - off >= 4) {
      const length = ((data[off]! << 24) | (data[off + 1]! << 16) | (data[off + 2]! << 8) | data[off + 3]!) >>> 0;
      if (length > MAX_FRAME_BYTES) throw new FrameError(`frame length ${length} exceeds the ${MAX_FRAME_BYTES}-byte cap`);
      const end = off + 4 + length;
      if (end > n) {
        this.need = 4 + length;
        break;
      }
      each(data.subarray(off + 4, end));
      off = end;
    }
    this.parts = off < n ? [data.slice(off)] : [];
    this.size = n - off;
  }

  private join(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0]!;
    const out = new Uint8Array(this.size);
    let at = 0;
    for (let i = 0; i < this.parts.length; i++) {
      out.set(this.parts[i]!, at);
      at += this.parts[i]!.length;
    }
    return out;
  }
}
