import { describe, expect, test } from "bun:test";
import { closePayload, encodeFrame, OP, readClose, readFrame } from "./frames.ts";

/** A client frame: masked with `mask`, as RFC 6455 §5.3 says. */
function clientFrame(op: number, payload: Uint8Array, { fin = true, mask = [1, 2, 3, 4], rsv = 0 } = {}): Uint8Array {
  const n = payload.length;
  const header = n < 126 ? [0, 0] : n < 65536 ? [0, 0, n >> 8, n & 0xff] : [0, 0, 0, 0, 0, 0, (n / 2 ** 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  header[0] = (fin ? 0x80 : 0) | rsv | op;
  header[1] = 0x80 | (n < 126 ? n : n < 65536 ? 126 : 127);
  const out = new Uint8Array(header.length + 4 + n);
  out.set(header);
  out.set(mask, header.length);
  for (let i = 0; i < n; i++) out[header.length + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}
const bytes = (s: string) => new TextEncoder().encode(s);

describe("readFrame", () => {
  test("unmasks payloads of each length form, at any offset", () => {
    for (const n of [0, 5, 125, 126, 1000, 65535, 65536, 70_001]) {
      const payload = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
      const frame = clientFrame(OP.binary, payload, { mask: [0xde, 0xad, 0xbe, 0xef] });
      const buf = new Uint8Array(frame.length + 3);
      buf.set(frame, 3);
      const got = readFrame(buf, 3, 1 << 20);
      expect(got.t).toBe("frame");
      if (got.t === "frame") {
        expect(got.size).toBe(frame.length);
        expect(got.frame.fin).toBe(true);
        expect(Buffer.from(got.frame.payload).equals(Buffer.from(payload))).toBe(true);
      }
    }
  });

  test("a frame that has not all come is partial", () => {
    const frame = clientFrame(OP.text, bytes("hello"));
    for (let n = 0; n < frame.length; n++) expect(readFrame(frame.subarray(0, n), 0, 100).t).toBe("partial");
  });

  test.each([
    ["an unmasked frame", Uint8Array.from([0x81, 0x02, 0x68, 0x69]), 1002, "masked"],
    ["a reserved bit", clientFrame(OP.text, bytes("x"), { rsv: 0x40 }), 1002, "reserved"],
    ["an unknown opcode", clientFrame(3, bytes("x")), 1002, "opcode 3"],
    ["a fragmented ping", clientFrame(OP.ping, bytes("x"), { fin: false }), 1002, "control frame"],
    ["a ping of 126 bytes", clientFrame(OP.ping, new Uint8Array(126)), 1002, "control frame"],
  ])("%s is refused with %d", (_what, frame, code, mentions) => {
    expect(readFrame(frame, 0, 1 << 20)).toMatchObject({ t: "fail", code, reason: expect.stringContaining(mentions) });
  });

  test("a frame longer than the limit is refused from its header alone (1009)", () => {
    const header = Uint8Array.from([0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4]); // 4 GiB, no payload sent
    expect(readFrame(header, 0, 16 << 20)).toMatchObject({ t: "fail", code: 1009 });
  });
});

test("encodeFrame writes unmasked frames in the shortest length form", () => {
  expect([...encodeFrame(OP.text, bytes("hi"))]).toEqual([0x81, 2, 0x68, 0x69]);
  expect([...encodeFrame(OP.binary, new Uint8Array(200)).subarray(0, 4)]).toEqual([0x82, 126, 0, 200]);
  expect([...encodeFrame(OP.binary, new Uint8Array(70_000)).subarray(0, 10)]).toEqual([0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
});

describe("close frames", () => {
  test("code and reason round-trip; no payload is 1005", () => {
    expect(readClose(closePayload(1000, "bye"))).toEqual({ code: 1000, reason: "bye" });
    expect(readClose(new Uint8Array(0))).toEqual({ code: 1005, reason: "" });
    expect(readClose(closePayload(4001, "app"))).toEqual({ code: 4001, reason: "app" });
  });
  test("codes a peer may not send, a one-byte payload, and a reason that is not UTF-8 are refused", () => {
    expect(readClose(closePayload(1005, ""))).toMatchObject({ t: "fail", code: 1002 });
    expect(readClose(closePayload(999, ""))).toMatchObject({ t: "fail", code: 1002 });
    expect(readClose(Uint8Array.from([3]))).toMatchObject({ t: "fail", code: 1002 });
    expect(readClose(Uint8Array.from([3, 0xe8, 0xff, 0xfe]))).toMatchObject({ t: "fail", code: 1007 });
  });
  test("a long reason is cut to fit a control frame", () => {
    expect(closePayload(1000, "x".repeat(500)).length).toBe(125);
  });
});
