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
  /** Bytes received and not yet consumed, as the chunks they came in (each copied once). */
  private chunks: Uint8Array[] = [];
  private size = 0;

  /** Appends a chunk and returns the decoded messages it completed; throws FrameError. */
  push(chunk: Uint8Array): unknown[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const messages: unknown[] = [];
    while (this.size >= 4) {
      const length = this.peekLength();
      if (length > MAX_FRAME_BYTES) {
        throw new FrameError(`frame length ${length} exceeds the ${MAX_FRAME_BYTES}-byte cap`);
      }
      if (this.size < 4 + length) break;
      const body = this.take(4 + length).subarray(4);
      try {
        messages.push(decodeCbor(body));
      } catch (err) {
        throw new FrameError(`undecodable CBOR in a ${length}-byte frame: ${(err as Error).message}`);
      }
    }
    // What stays for later is copied: the socket may reuse a chunk's memory after its read.
    this.chunks = this.chunks.map((c) => (c.buffer === chunk.buffer ? c.slice() : c));
    return messages;
  }

  private peekLength(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return new DataView(first.buffer, first.byteOffset, 4).getUint32(0);
    const head = this.take(4, false);
    return new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
  }

  /** The first `n` bytes, joined only when they span chunks; consumed unless `consume` is false. */
  private take(n: number, consume = true): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      if (consume) this.drop(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    for (const c of this.chunks) {
      const part = c.subarray(0, Math.min(c.length, n - filled));
      out.set(part, filled);
      filled += part.length;
      if (filled === n) break;
    }
    if (consume) this.drop(n);
    return out;
  }

  private drop(n: number): void {
    this.size -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      if (c.length <= n) {
        n -= c.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = c.subarray(n);
        n = 0;
      }
    }
  }
}
