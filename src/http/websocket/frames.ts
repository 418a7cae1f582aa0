/**
 * WebSocket frames (RFC 6455 §5), as a server reads and writes them. Pure.
 *
 * A client's frame must be masked (§5.1) and have no reserved bit set (no extension is ever
 * agreed here); control frames are at most 125 bytes and never fragmented (§5.5). Breaking any
 * of these is a protocol error, close code 1002. A length beyond the message limit is refused
 * from the frame's header, before its payload is buffered (1009).
 */

export const OP = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;
export const CLOSE = { normal: 1000, goingAway: 1001, protocol: 1002, badData: 1007, tooBig: 1009, internal: 1011 } as const;

export type Frame = { fin: boolean; op: number; payload: Uint8Array };
export type FrameRead =
  /** `need`: the frame's whole size from `at`, once its header has come (0 before). */
  | { t: "partial"; need: number }
  | { t: "frame"; frame: Frame; size: number }
  | { t: "fail"; code: number; reason: string };

const KNOWN_OPS = new Set<number>(Object.values(OP));

/** The frame at buf[at…], if it has all come; `maxPayload` bounds its payload. */
export function readFrame(buf: Uint8Array, at: number, maxPayload: number): FrameRead {
  if (buf.length - at < 2) return PARTIAL;
  const b0 = buf[at]!;
  const b1 = buf[at + 1]!;
  const fin = (b0 & 0x80) !== 0;
  const op = b0 & 0x0f;
  if ((b0 & 0x70) !== 0) return fail(CLOSE.protocol, "a reserved bit is set, and no extension was agreed");
  if (!KNOWN_OPS.has(op)) return fail(CLOSE.protocol, `opcode ${op} is not defined`);
  if ((b1 & 0x80) === 0) return fail(CLOSE.protocol, "frames from a client must be masked");
  let length = b1 & 0x7f;
  let header = 2;
  if (op >= OP.close && (!fin || length > 125)) return fail(CLOSE.protocol, "a control frame must be whole and at most 125 bytes");
  if (length === 126) {
    if (buf.length - at < 4) return PARTIAL;
    length = (buf[at + 2]! << 8) | buf[at + 3]!;
    header = 4;
  } else if (length === 127) {
    if (buf.length - at < 10) return PARTIAL;
    const view = new DataView(buf.buffer, buf.byteOffset + at + 2, 8);
    const high = view.getUint32(0);
    if (high & 0x80000000) return fail(CLOSE.protocol, "the frame length has its top bit set");
    length = high * 2 ** 32 + view.getUint32(4);
    header = 10;
  }
  if (length > maxPayload) return fail(CLOSE.tooBig, `a message is larger than the limit of ${maxPayload} bytes`);
  const start = at + header + 4;
  if (buf.length < start + length) return { t: "partial", need: header + 4 + length };
  return { t: "frame", frame: { fin, op, payload: unmask(buf, start - 4, start, length) }, size: header + 4 + length };
}

const fail = (code: number, reason: string): FrameRead => ({ t: "fail", code, reason });
const PARTIAL: FrameRead = { t: "partial", need: 0 };

/** A copy of the payload (a fresh array, so aligned), unmasked four bytes at a time. */
function unmask(buf: Uint8Array, maskAt: number, start: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(buf.subarray(start, start + length));
  const m0 = buf[maskAt]!;
  const m1 = buf[maskAt + 1]!;
  const m2 = buf[maskAt + 2]!;
  const m3 = buf[maskAt + 3]!;
  const words = length >>> 2;
  if (words > 0) {
    const view = new Uint32Array(out.buffer, out.byteOffset, words);
    const mask = new Uint32Array(new Uint8Array([m0, m1, m2, m3]).buffer)[0]!;
    for (let i = 0; i < words; i++) view[i]! ^= mask;
  }
  const masks = [m0, m1, m2, m3];
  for (let i = words << 2; i < length; i++) out[i]! ^= masks[i & 3]!;
  return out;
}

/** A server frame (never masked, §5.1), whole. */
export function encodeFrame(op: number, payload: Uint8Array): Uint8Array {
  const n = payload.length;
  const header = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = new Uint8Array(header + n);
  out[0] = 0x80 | op;
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out[2] = n >>> 8;
    out[3] = n & 0xff;
  } else {
    out[1] = 127;
    const view = new DataView(out.buffer, 2, 8);
    view.setUint32(0, Math.floor(n / 2 ** 32));
    view.setUint32(4, n >>> 0);
  }
  out.set(payload, header);
  return out;
}

/** A close frame's payload: the code, then the reason in UTF-8, cut to fit 125 bytes. */
export function closePayload(code: number, reason: string): Uint8Array {
  const text = new TextEncoder().encode(reason).subarray(0, 123);
  const out = new Uint8Array(2 + text.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(text, 2);
  return out;
}

/** The code and reason of a peer's close frame (§5.5.1, §7.4). */
export function readClose(payload: Uint8Array): { code: number; reason: string } | { t: "fail"; code: number; reason: string } {
  if (payload.length === 0) return { code: 1005, reason: "" };
  if (payload.length === 1) return { t: "fail", code: CLOSE.protocol, reason: "a close frame's payload of one byte" };
  const code = (payload[0]! << 8) | payload[1]!;
  const valid = (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
  if (!valid) return { t: "fail", code: CLOSE.protocol, reason: `close code ${code} may not be sent` };
  try {
    return { code, reason: new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(2)) };
  } catch {
    return { t: "fail", code: CLOSE.badData, reason: "the close reason is not UTF-8" };
  }
}
