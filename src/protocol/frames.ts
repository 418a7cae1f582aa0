/**
 * Frames (SPEC §9): a u32 big-endian length, then that many bytes of one CBOR data item.
 *
 * `FrameReader` is fed whatever chunks the socket hands over and yields whole frames. A
 * length beyond the cap is reported before any of its bytes are buffered, so a hostile or
 * broken peer cannot make the reader allocate 4 GiB.
 */
import { decodeCbor, encodeCbor } from "./cbor.ts";

export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export class FrameError extends Error {
  override name = "FrameError";
}

export function encodeFrame(message: unknown): Uint8Array {
  const body = encodeCbor(message);
  if (body.length > MAX_FRAME_BYTES) {
    throw new FrameError(`frame of ${body.length} bytes exceeds the ${MAX_FRAME_BYTES}-byte cap`);
  }
  const frame = new Uint8Array(4 + body.length);
  new DataView(frame.buffer).setUint32(0, body.length);
  frame.set(body, 4);
  return frame;
}

export class FrameReader {
  private buffer = new Uint8Array(0);

  /** Appends a chunk and returns the decoded messages it completed; throws FrameError. */
  push(chunk: Uint8Array): unknown[] {
    this.buffer = this.buffer.length === 0 ? chunk : concat(this.buffer, chunk);
    const messages: unknown[] = [];
    let offset = 0;
    while (this.buffer.length - offset >= 4) {
      const view = new DataView(this.buffer.buffer, this.buffer.byteOffset + offset, 4);
      const length = view.getUint32(0);
      if (length > MAX_FRAME_BYTES) {
        throw new FrameError(`frame length ${length} exceeds the ${MAX_FRAME_BYTES}-byte cap`);
      }
      if (this.buffer.length - offset - 4 < length) break;
      const body = this.buffer.subarray(offset + 4, offset + 4 + length);
      offset += 4 + length;
      try {
        messages.push(decodeCbor(body));
      } catch (err) {
        throw new FrameError(`undecodable CBOR in a ${length}-byte frame: ${(err as Error).message}`);
      }
    }
    // Copy the remainder: the socket may reuse the chunk's memory for its next read.
    this.buffer = offset === this.buffer.length ? new Uint8Array(0) : this.buffer.slice(offset);
    return messages;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
